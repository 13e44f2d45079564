import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';
import { JupyterInfo, IJupyterInfo } from '../schemas/status';
import type { IRouteContext } from './context';

/** The Jupyter server the gateway owns: its state, and a restart on demand. */
export default async function jupyterRoutes(app: FastifyInstance, ctx: IRouteContext): Promise<void> {
  const errors = { '4xx': ErrorBody, '5xx': ErrorBody };
  const server = () => {
    if (!ctx.jupyter) {
      throw new ApiError(
        409,
        'not_owned',
        'Atelier runs beside an existing Jupyter server here (serve mode) and cannot restart it.'
      );
    }
    return ctx.jupyter;
  };

  app.get('/jupyter', { schema: { response: { 200: JupyterInfo, ...errors } } }, async (): Promise<IJupyterInfo> =>
    ctx.jupyter ? { state: ctx.jupyter.state, startedAt: ctx.jupyter.startedAt } : { state: 'external' }
  );

  app.post(
    '/jupyter/restart',
    { schema: { response: { 202: JupyterInfo, ...errors } } },
    async (request, reply): Promise<IJupyterInfo> => {
      const jupyter = server();
      jupyter.restart().catch(e => request.log.error({ err: e }, 'restarting the Jupyter server failed'));
      reply.code(202);
      return { state: jupyter.state };
    }
  );
}
