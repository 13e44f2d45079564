import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';
import { CreateTransfer, ICreateTransfer, Transfer, TransferList } from '../schemas/transfers';
import type { ITransfer } from '../schemas/transfers';
import type { TransferManager } from '../transfers';
import type { IRouteContext } from '../app';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };
const IdParams = Type.Object({ id: Type.String() });

export default async function transferRoutes(app: FastifyInstance, ctx: IRouteContext): Promise<void> {
  const manager = (): TransferManager => {
    if (!ctx.transfers) {
      throw new ApiError(404, 'capability_missing', `The ${ctx.platform.name} platform has no object storage to transfer to.`);
    }
    return ctx.transfers;
  };

  app.get('/transfers', { schema: { response: { 200: TransferList, ...errors } } }, async () => ({ transfers: manager().list() }));

  app.post<{ Body: ICreateTransfer }>(
    '/transfers',
    { schema: { body: CreateTransfer, response: { 201: Transfer, ...errors } } },
    async (request, reply) => {
      const transfer = await manager().create(request.body);
      reply.code(201);
      return transfer;
    }
  );

  /** Server-sent events: one `transfer` event per change (throttled), for progress. */
  app.get('/transfers/events', async (request, reply) => {
    const transfers = manager();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no'
    });
    const send = (transfer: ITransfer) => res.write(`event: transfer\ndata: ${JSON.stringify(transfer)}\n\n`);
    res.write('retry: 2000\n\n');
    transfers.on('change', send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    const end = () => res.end();
    transfers.once('close', end);
    const stop = () => {
      clearInterval(heartbeat);
      transfers.off('change', send);
      transfers.off('close', end);
    };
    request.raw.on('close', stop);
    res.on('error', stop);
  });

  app.get<{ Params: { id: string } }>(
    '/transfers/:id',
    { schema: { params: IdParams, response: { 200: Transfer, ...errors } } },
    async request => manager().get(request.params.id)
  );

  app.post<{ Params: { id: string } }>(
    '/transfers/:id/cancel',
    { schema: { params: IdParams, response: { 200: Transfer, ...errors } } },
    async request => manager().cancel(request.params.id)
  );

  app.delete<{ Params: { id: string } }>(
    '/transfers/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await manager().remove(request.params.id);
      reply.code(204);
      return null;
    }
  );
}
