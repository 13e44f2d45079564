import { Type } from '@sinclair/typebox';
import { ApiError } from '../errors';
import { CreateTransfer, ErrorResponses, IdParams, Transfer, TransferList } from '@atelier/api';
import type { ITransfer } from '@atelier/api';
import type { TransferManager } from '../transfers';
import type { IApi, IRouteContext } from './context';
import { eventStream } from './sse';

export default async function transferRoutes(app: IApi, ctx: IRouteContext): Promise<void> {
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

  app.get('/transfers', { schema: { response: { 200: TransferList, ...ErrorResponses } } }, async () => ({
    transfers: manager().list()
  }));

  app.post(
    '/transfers',
    { schema: { body: CreateTransfer, response: { 201: Transfer, ...ErrorResponses } } },
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

  app.get(
    '/transfers/:id',
    { schema: { params: IdParams, response: { 200: Transfer, ...ErrorResponses } } },
    async request => manager().get(request.params.id)
  );

  app.post(
    '/transfers/:id/stop',
    { schema: { params: IdParams, response: { 200: Transfer, ...ErrorResponses } } },
    async request => manager().stop(request.params.id)
  );

  app.delete(
    '/transfers/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), ...ErrorResponses } } },
    async (request, reply) => {
      await manager().remove(request.params.id);
      reply.code(204);
      return null;
    }
  );
}
