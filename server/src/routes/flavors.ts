import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors';
import { ErrorBody } from '../schemas/common';
import { Flavor, FlavorList, IFlavor, IFlavorList } from '../schemas/flavors';
import type { IFlavorProvider } from '../platform';
import type { IRouteContext } from '../app';

export default async function flavorRoutes(app: FastifyInstance, ctx: IRouteContext): Promise<void> {
  const provider = (): IFlavorProvider => {
    if (!ctx.platform.flavors) {
      throw new ApiError(404, 'capability_missing', `The ${ctx.platform.name} platform has no compute flavors.`);
    }
    return ctx.platform.flavors;
  };
  const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

  app.get('/flavors', { schema: { response: { 200: FlavorList, ...errors } } }, async (): Promise<IFlavorList> => {
    const flavors = provider();
    const [list, current] = await Promise.all([flavors.list(), flavors.current()]);
    return { flavors: list, current: current.id };
  });

  app.get('/flavors/current', { schema: { response: { 200: Flavor, ...errors } } }, async (): Promise<IFlavor> =>
    provider().current()
  );
}
