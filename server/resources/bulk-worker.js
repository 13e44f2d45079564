// @ts-check
'use strict';
/**
 * Atelier's bulk worker: byte ranges of objects fetched over HTTP(S) and written straight into
 * a file at their offset, each with its CRC-32.
 *
 * It runs in a thread of its own. There its small heap makes the garbage collections that
 * gigabytes of socket buffers set off cheap (in the service's heap they cost about 0.3 s a
 * GiB), and the service's event loop stays free for the API while data moves. Requests come
 * in signed: the worker never holds credentials. Plain JavaScript, so that the same file runs
 * under the compiled service and under the tests.
 *
 * Messages in:  { type: 'get', id, request, fd, position, length } | { type: 'cancel', id }
 * Messages out: { type: 'progress', id, bytes } (bytes written since the last one, every 8 MiB)
 *               { type: 'done', id, crc, received, etag, contentRange }
 *               { type: 'failed', id, status?, body?, code?, message }
 */
const fs = require('fs');
const http = require('http');
const https = require('https');
const zlib = require('zlib');
const { parentPort } = require('worker_threads');

/** Bytes gathered before one positional write. */
const BATCH = 1024 * 1024;
/** Progress is reported at most every this many bytes (and when the range ends). */
const REPORT = 8 * BATCH;

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 })
};

/** Requests under way, by id. */
const active = new Map();

if (!parentPort) {
  throw new Error('bulk-worker.js runs as a worker thread.');
}
const port = parentPort;

port.on('message', message => {
  if (message.type === 'cancel') {
    active.get(message.id)?.destroy();
  } else if (message.type === 'get') {
    fetchRange(message);
  }
});

/**
 * @param {{ id: number, request: { protocol: 'http:' | 'https:', hostname: string, port: number, path: string, headers: Record<string, string>, servername?: string },
 *           fd: number, position: number, length: number }} job
 */
function fetchRange({ id, request, fd, position, length }) {
  let settled = false;
  /** A write into the file is under way: nothing is reported until it is back. */
  let writing = false;
  /** @type {object | null} */
  let failure = null;
  /** @param {object} message */
  const settle = message => {
    if (!settled) {
      settled = true;
      active.delete(id);
      port.postMessage({ id, ...message });
    }
  };
  /**
   * The range failed: the request stops, and the failure is reported once no write is in
   * flight (the service closes the file when it hears of it).
   * @param {object} message
   */
  const fail = message => {
    failure = failure ?? { type: 'failed', ...message };
    req.destroy();
    if (!writing) {
      settle(failure);
    }
  };
  /** @param {Error} error */
  const failWith = error =>
    fail({ code: /** @type {NodeJS.ErrnoException} */ (error).code ?? 'ECONNRESET', message: error.message });

  const lib = request.protocol === 'https:' ? https : http;
  const req = lib.request({ ...request, method: 'GET', agent: agents[request.protocol] }, res => {
    const status = res.statusCode ?? 0;
    if (status !== 206) {
      // An error answer (or a server that ignored the range): its text, for the service to read.
      let body = '';
      res.setEncoding('utf8');
      res.on('data', chunk => {
        if (body.length < 65536) {
          body += chunk;
        } else {
          res.destroy();
        }
      });
      res.on('close', () => settle({ type: 'failed', status, body, message: `HTTP ${status}` }));
      return;
    }
    let crc = 0;
    let received = 0;
    let at = position;
    /** @type {Buffer[]} */
    let batch = [];
    let batchBytes = 0;
    let ended = false;
    let unreported = 0;

    const finishIfDone = () => {
      if (ended && !writing && batchBytes === 0) {
        if (unreported > 0) {
          port.postMessage({ type: 'progress', id, bytes: unreported });
          unreported = 0;
        }
        settle({
          type: 'done',
          crc,
          received,
          etag: res.headers.etag ?? '',
          contentRange: res.headers['content-range'] ?? ''
        });
      }
    };
    const flush = () => {
      const buffers = batch;
      const bytes = batchBytes;
      const where = at;
      batch = [];
      batchBytes = 0;
      at += bytes;
      writing = true;
      res.pause();
      fs.writev(fd, buffers, where, (error, written) => {
        writing = false;
        if (failure) {
          settle(failure);
          return;
        }
        if (error || written !== bytes) {
          fail({
            code: error?.code ?? 'ENOSPC',
            message: error ? error.message : `only ${written} of ${bytes} bytes were written`
          });
          return;
        }
        unreported += bytes;
        if (unreported >= REPORT) {
          port.postMessage({ type: 'progress', id, bytes: unreported });
          unreported = 0;
        }
        if (batchBytes >= BATCH || (ended && batchBytes > 0)) {
          flush();
          return;
        }
        res.resume();
        finishIfDone();
      });
    };
    res.on('data', chunk => {
      if (failure) {
        return;
      }
      received += chunk.length;
      if (received > length) {
        fail({ code: 'ERANGE', message: `more than the ${length} bytes asked for arrived` });
        return;
      }
      crc = zlib.crc32(chunk, crc);
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= BATCH && !writing) {
        flush();
      }
    });
    res.on('end', () => {
      ended = true;
      if (!writing && batchBytes > 0) {
        flush();
      } else {
        finishIfDone();
      }
    });
    res.on('error', failWith);
    res.on('close', () => {
      if (!ended) {
        fail({ code: 'ECONNRESET', message: 'the connection closed before the range was complete' });
      }
    });
  });
  req.on('error', failWith);
  req.setTimeout(60000, () =>
    req.destroy(Object.assign(new Error('The storage endpoint did not answer in time.'), { code: 'ETIMEDOUT' }))
  );
  active.set(id, { destroy: () => fail({ code: 'ECANCELED', message: 'cancelled' }) });
  req.end();
}
