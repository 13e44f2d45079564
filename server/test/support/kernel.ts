/**
 * Jupyter kernels for the tests and the benchmarks: start one over the REST API, open its
 * channels websocket, send execute requests (Jupyter messaging protocol 5.3, shell channel)
 * and read the result, or time them.
 *
 * `base` is a Jupyter base URL ending in '/' (the gateway's or the server's own).
 */
import * as crypto from 'crypto';
import WebSocket from 'ws';
import type { IGateway } from './atelier';
import { request } from './http';

const SESSION = crypto.randomUUID();

/** An execute_request for `code`, with its message id. */
function executeRequest(code: string, msgId: string): string {
  return JSON.stringify({
    header: {
      msg_id: msgId,
      session: SESSION,
      username: 'atelier-test',
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
  });
}

/** Starts a python3 kernel; throws unless the server answers 201. Resolves to its model. */
export async function startKernel(base: string, headers: Record<string, string>): Promise<{ id: string }> {
  const res = await request(`${base}api/kernels`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'python3' })
  });
  if (res.status !== 201) {
    throw new Error(`starting a kernel answered ${res.status}: ${res.body.slice(0, 300)}`);
  }
  return res.json();
}

/** Opens a websocket (ws: or wss: URL) with these headers; resolves once it is open. */
export function connect(url: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const onError = (error: Error) => {
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
 * Sends one execute_request and waits for both its execute_reply and the kernel's return to
 * idle for it, the point where a front end sees the cell finished. Resolves with the
 * milliseconds that took; rejects if the code raised, or when nothing arrives within
 * timeoutMs (a kernel that has just started may drop a first request).
 */
export function execute(ws: WebSocket, code: string, timeoutMs = 10000): Promise<number> {
  const msgId = crypto.randomUUID();
  return new Promise((resolve, reject) => {
    let reply: { status: string; ename?: string; evalue?: string } | null = null;
    let idle = false;
    let started = 0n;
    const done = (error: Error | null) => {
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
    const onMessage = (data: WebSocket.RawData) => {
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
    ws.send(executeRequest(code, msgId));
  });
}

/** Sends execute requests until the kernel answers one (a fresh kernel may drop the first); its result. */
export async function executeUntilResult(ws: WebSocket, code: string): Promise<string> {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const msgId = crypto.randomUUID();
    const answer = new Promise<string | null>(resolve => {
      const timer = setTimeout(() => {
        ws.off('message', onMessage);
        resolve(null);
      }, 5000);
      function onMessage(data: WebSocket.RawData) {
        const msg = JSON.parse(data.toString());
        if (msg.parent_header?.msg_id === msgId && msg.msg_type === 'execute_result') {
          clearTimeout(timer);
          ws.off('message', onMessage);
          resolve(msg.content.data['text/plain']);
        }
      }
      ws.on('message', onMessage);
    });
    ws.send(executeRequest(code, msgId));
    const result = await answer;
    if (result !== null) {
      return result;
    }
  }
  throw new Error('the kernel never answered');
}

/** Starts a python3 kernel through the gateway, evaluates `code` (its last expression), removes the kernel. */
export async function evaluate(gw: IGateway, code: string): Promise<string> {
  const auth = { Authorization: `token ${gw.token}` };
  const kernel = await startKernel(gw.url, auth);
  const ws = await connect(`${gw.url.replace(/^http/, 'ws')}api/kernels/${kernel.id}/channels`, auth);
  try {
    return await executeUntilResult(ws, code);
  } finally {
    ws.close();
    await request(`${gw.url}api/kernels/${kernel.id}`, { method: 'DELETE', headers: auth });
  }
}

/**
 * Starts a kernel through `base`, runs `1+1` in it, then shuts it down. Retries while the
 * server is not there yet (refused connection, 5xx) or the fresh kernel drops the request,
 * until limitMs have passed. Resolves with the milliseconds until the code had run.
 */
export async function kernelReady(base: string, headers: Record<string, string>, limitMs = 180000): Promise<number> {
  const t0 = Date.now();
  const deadline = t0 + limitMs;
  let lastError: Error | null = null;
  while (Date.now() < deadline) {
    let kernel: { id: string } | null = null;
    let ws: WebSocket | null = null;
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
          lastError = e as Error;
          if (ws.readyState !== WebSocket.OPEN || Date.now() >= deadline) {
            break;
          }
        }
      }
    } catch (e) {
      lastError = e as Error;
      await new Promise(resolve => setTimeout(resolve, 100));
    } finally {
      ws?.close();
      if (kernel) {
        await request(`${base}api/kernels/${kernel.id}`, { method: 'DELETE', headers }).catch(() => undefined);
      }
    }
  }
  throw new Error(`no kernel executed code through ${base} within ${limitMs / 1000} s: ${lastError?.message}`);
}
