/** Kernels through the gateway, for integration tests: execute code, read the result. */
import WebSocket from 'ws';
import { IGateway, request } from './atelier';

/** Sends execute requests until the kernel answers one (a fresh kernel may drop the first). */
export async function executeUntilResult(ws: WebSocket, code: string): Promise<string> {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const msgId = `atelier-test-${Date.now()}-${Math.random()}`;
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
    ws.send(
      JSON.stringify({
        header: {
          msg_id: msgId,
          username: 'test',
          session: 'atelier-test',
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
  const created = await request(`${gw.url}api/kernels`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'python3' })
  });
  if (created.status !== 201) {
    throw new Error(`starting a kernel answered ${created.status}: ${created.body}`);
  }
  const kernelId = created.json().id;
  const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}api/kernels/${kernelId}/channels`, { headers: auth });
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return await executeUntilResult(ws, code);
  } finally {
    ws.close();
    await request(`${gw.url}api/kernels/${kernelId}`, { method: 'DELETE', headers: auth });
  }
}
