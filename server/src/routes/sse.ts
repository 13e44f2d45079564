import type { FastifyReply, FastifyRequest } from 'fastify';

/** Opens a server-sent event stream on the reply; returns a writer and a way to learn of its end. */
export function eventStream(
  request: FastifyRequest,
  reply: FastifyReply
): { send(event: string, data: unknown): void; closed: Promise<void> } {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no'
  });
  res.write('retry: 2000\n\n');
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
  const closed = new Promise<void>(resolve => {
    const done = () => {
      clearInterval(heartbeat);
      resolve();
    };
    request.raw.on('close', done);
    res.on('error', done);
    res.on('finish', done);
  });
  return { send: (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`), closed };
}

/**
 * Follows something that grows on a stream: `step` runs until it says `done` (or fails, or the
 * client goes), at once again when it sent something and after `pauseMs` when it had nothing
 * new; then the stream ends.
 */
export async function follow(
  stream: ReturnType<typeof eventStream>,
  reply: FastifyReply,
  step: () => Promise<'sent' | 'idle' | 'done'>,
  pauseMs: number
): Promise<void> {
  let open = true;
  void stream.closed.then(() => (open = false));
  while (open) {
    const next = await step().catch(() => 'done' as const);
    if (next === 'done') {
      break;
    }
    if (next === 'idle') {
      await new Promise(resolve => setTimeout(resolve, pauseMs));
    }
  }
  reply.raw.end();
}
