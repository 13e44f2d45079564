/*
 * HTTP helpers shared by the benchmarks: one JSON call over Node's http, and a median.
 *
 *   call(method, url, headers?, body?) -> { status, headers, text, json }
 *   json(method, url, body?, headers?) -> the parsed answer; throws on a status >= 400
 *   median(values)                     -> the middle value (mean of the two middle ones)
 *   serverEvents(res, onEvent)         -> calls onEvent(event, data) for each event of a stream
 */
const http = require('http');

const TIMEOUT_MS = 120000;

/**
 * One request; `body`, when given, is sent as JSON. Resolves with the status, the response
 * headers, the text and the parsed JSON (null when the answer is empty or not JSON), whatever
 * the status; rejects only when no answer arrives (connection refused, reset, timeout). A GET
 * whose kept-alive connection the server closed meanwhile is sent once more.
 */
function call(method, url, headers = {}, body = undefined, retry = method === 'GET') {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const sent = { ...headers };
  if (payload !== undefined) {
    sent['Content-Type'] = 'application/json';
    sent['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: sent, timeout: TIMEOUT_MS }, res => {
      const chunks = [];
      res.on('data', chunk => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = null;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          // not JSON: the text is there
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in ${TIMEOUT_MS / 1000} s`)));
    req.on('error', error => {
      if (retry && error.code === 'ECONNRESET' && req.reusedSocket) {
        call(method, url, headers, body, false).then(resolve, reject);
      } else {
        reject(error);
      }
    });
    req.end(payload);
  });
}

/** A call whose answer must succeed: resolves with its JSON, throws with the status and message otherwise. */
async function json(method, url, body = undefined, headers = {}) {
  const res = await call(method, url, headers, body);
  if (res.status >= 400) {
    const message = res.json?.message ?? res.text;
    throw new Error(`${method} ${url} answered ${res.status}: ${message}`);
  }
  return res.json;
}

/** The median of a list of numbers (NaN for an empty list); the list is not changed. */
function median(values) {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The events of a server-sent event stream (an http.IncomingMessage), each as its name and its
 * data (one `data:` line, as Atelier's streams write them), in order; comments are skipped.
 */
function serverEvents(res, onEvent) {
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', chunk => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block);
      const data = block.indexOf('data: ');
      if (event && data >= 0) {
        onEvent(event[1], block.slice(data + 6));
      }
    }
  });
}

module.exports = { call, json, median, serverEvents };
