/*
 * Jupyter kernels for the benchmarks: start one over the REST API, open its channels
 * websocket, time an execute_request (Jupyter messaging protocol 5.3, shell channel).
 *
 *   startKernel(base, headers)         -> the kernel's model ({ id, name, ... })
 *   connect(wsUrl, headers)            -> an open WebSocket
 *   execute(ws, code, timeoutMs?)      -> milliseconds from the request to the reply and idle
 *   kernelReady(base, headers, limit?) -> milliseconds until a new kernel executed code
 *
 * `base` is a Jupyter base URL ending in '/' (the gateway's or the server's own).
 */
const crypto = require('crypto');
const WebSocket = require('ws');
const { call } = require('./http');

const SESSION = crypto.randomUUID();

/** Starts a python3 kernel; throws unless the server answers 201. */
async function startKernel(base, headers) {
  const res = await call('POST', `${base}api/kernels`, headers, { name: 'python3' });
  if (res.status !== 201) {
    throw new Error(`starting a kernel answered ${res.status}: ${res.json?.message ?? res.text}`);
  }
  return res.json;
}

/** Opens a websocket (ws: or wss: URL) with these headers; resolves once it is open. */
function connect(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const onError = error => {
      ws.off('open', onOpen);
      reject(error);
    };
    const onOpen = () => {
      ws.off('error', onError);
      // A later error is followed by 'close', which execute() reports.
      ws.on('error', () => undefined);
      resolve(ws);
    };
    ws.once('open', onOpen);
    ws.once('error', onError);
    ws.once('unexpected-response', (req, res) => {
      ws.off('error', onError);
      ws.off('open', onOpen);
      req.destroy();
      reject(new Error(`websocket ${url}: answered ${res.statusCode}`));
    });
  });
}

/**
 * Sends one execute_request on the shell channel and waits for both its execute_reply and the
 * kernel's return to idle (iopub) for it, the point where a front end sees the cell finished.
 * Resolves with the milliseconds that took; rejects if the code raised, or when nothing
 * arrives within timeoutMs (a kernel that has just started may drop a first request).
 */
function execute(ws, code, timeoutMs = 10000) {
  const msgId = crypto.randomUUID();
  return new Promise((resolve, reject) => {
    let reply = null;
    let idle = false;
    let started = 0n;
    const done = error => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (error) {
        reject(error);
      } else {
        resolve(Number(process.hrtime.bigint() - started) / 1e6);
      }
    };
    const timer = setTimeout(() => done(new Error(`no answer to execute_request within ${timeoutMs} ms`)), timeoutMs);
    const onClose = () => done(new Error('the kernel websocket closed'));
    const onMessage = data => {
      const msg = JSON.parse(data.toString());
      if (msg.parent_header?.msg_id !== msgId) {
        return;
      }
      if (msg.msg_type === 'execute_reply') {
        reply = msg.content;
      } else if (msg.msg_type === 'status' && msg.content.execution_state === 'idle') {
        idle = true;
      }
      if (reply && idle) {
        done(reply.status === 'ok' ? null : new Error(`${code}: ${reply.ename}: ${reply.evalue}`));
      }
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
    started = process.hrtime.bigint();
    ws.send(
      JSON.stringify({
        header: {
          msg_id: msgId,
          session: SESSION,
          username: 'bench',
          msg_type: 'execute_request',
          version: '5.3',
          date: new Date().toISOString()
        },
        parent_header: {},
        metadata: {},
        content: {
          code,
          silent: false,
          store_history: false,
          user_expressions: {},
          allow_stdin: false,
          stop_on_error: true
        },
        channel: 'shell',
        buffers: []
      })
    );
  });
}

/**
 * Starts a kernel through `base`, runs `1+1` in it, then shuts it down. Retries while the
 * server is not there yet (refused connection, 5xx) or the fresh kernel drops the request,
 * until limitMs have passed. Resolves with the milliseconds until the code had run.
 */
async function kernelReady(base, headers, limitMs = 180000) {
  const t0 = Date.now();
  const deadline = t0 + limitMs;
  let lastError = null;
  while (Date.now() < deadline) {
    let kernel = null;
    let ws = null;
    try {
      kernel = await startKernel(base, headers);
      ws = await connect(
        `${base.replace(/^http/, 'ws')}api/kernels/${kernel.id}/channels?session_id=${SESSION}`,
        headers
      );
      for (;;) {
        try {
          await execute(ws, '1+1', 5000);
          return Date.now() - t0;
        } catch (e) {
          lastError = e;
          if (ws.readyState !== WebSocket.OPEN || Date.now() >= deadline) {
            break;
          }
        }
      }
    } catch (e) {
      lastError = e;
      await new Promise(resolve => setTimeout(resolve, 100));
    } finally {
      ws?.close();
      if (kernel) {
        await call('DELETE', `${base}api/kernels/${kernel.id}`, headers).catch(() => undefined);
      }
    }
  }
  throw new Error(`no kernel executed code through ${base} within ${limitMs / 1000} s: ${lastError?.message}`);
}

module.exports = { connect, execute, kernelReady, startKernel };
