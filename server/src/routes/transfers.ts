import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';
import { CreateTransfer, ICreateTransfer, Transfer, TransferList } from '../schemas/transfers';
import type { ITransfer } from '../schemas/transfers';
import type { TransferManager } from '../transfers';
import type { IRouteContext } from './context';
import { eventStream } from './sse';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };
const IdParams = Type.Object({ id: Type.String() });

export default async function transferRoutes(app: FastifyInstance, ctx: IRouteContext): Promise<void> {
  const manager = (): TransferManager => {
    if (!ctx.transfers) {
      throw new ApiError(
        404,
        'capability_missing',
        `The ${ctx.platform.name} platform has no object storage to transfer to.`
      );
    }
    return ctx.transfers;
  };

  app.get('/transfers', { schema: { response: { 200: TransferList, ...errors } } }, async () => ({
    transfers: manager().list()
  }));

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
    const stream = eventStream(request, reply);
    const send = (transfer: ITransfer) => stream.send('transfer', transfer);
    const end = () => reply.raw.end();
    transfers.on('change', send);
    transfers.once('close', end);
    await stream.closed;
    transfers.off('change', send);
    transfers.off('close', end);
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
