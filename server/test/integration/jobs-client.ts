/** A few calls of the jobs API for the integration tests (local and Slurm executors). */
import * as http from 'http';
import { request } from './harness';

export class JobsClient {
  constructor(readonly api: string) {}

  async call(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await request(`${this.api}${p}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    return { status: res.status, json: res.body ? JSON.parse(res.body) : null };
  }

  async submit(body: Record<string, unknown>): Promise<any> {
    const res = await this.call('POST', 'jobs', body);
    if (res.status !== 201) {
      throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.json)}`);
    }
    return res.json;
  }

  async get(id: string): Promise<any> {
    return (await this.call('GET', `jobs/${id}`)).json;
  }

  /** Waits until the job reaches one of `phases` (default: a final one). */
  async waitFor(id: string, phases = ['Completed', 'Failed', 'Stopped'], timeoutMs = 90000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let job: any;
    while (Date.now() < deadline) {
      job = await this.get(id);
      if (phases.includes(job.status.phase)) {
        return job;
      }
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    throw new Error(
      `job ${id} stayed ${job?.status?.phase} (${job?.status?.message ?? ''}), waiting for ${phases.join('/')}`
    );
  }

  async log(id: string): Promise<string> {
    return (await this.call('GET', `jobs/${id}/logs`)).json.text;
  }

  /** Reads the log stream (SSE) until `until` matches the text so far, or the stream ends. */
  streamLog(
    id: string,
    until: (text: string) => boolean,
    timeoutMs = 60000
  ): Promise<{ text: string; events: number; ended: boolean }> {
    return new Promise((resolve, reject) => {
      let text = '';
      let events = 0;
      let buffer = '';
      // As EventSource asks: jupyter-server-proxy streams only what is asked for as an event stream.
      const req = http.get(`${this.api}jobs/${id}/logs/stream`, { headers: { Accept: 'text/event-stream' } }, res => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event === 'log' && data) {
              events += 1;
              text += JSON.parse(data).text;
              if (until(text)) {
                req.destroy();
                clearTimeout(timer);
                resolve({ text, events, ended: false });
              }
            } else if (event === 'end') {
              req.destroy();
              clearTimeout(timer);
              resolve({ text, events, ended: true });
            }
          }
        });
      });
      req.on('error', e => (e.message === 'socket hang up' ? undefined : reject(e)));
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`log stream of ${id} timed out with: ${text.slice(-500)}`));
      }, timeoutMs);
    });
  }
}
