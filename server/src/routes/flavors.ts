import { ApiError } from '../errors';
import type { FlavorSwitcher } from '../flavor-switch';
import type { IFlavorProvider } from '../platform';
import { ErrorResponses, Flavor, FlavorList, FlavorSwitch, SwitchRequest, Usage } from '@atelier/api';
import type { IFlavor, IFlavorList } from '@atelier/api';
import type { IApi, IRouteContext } from './context';

export default async function flavorRoutes(app: IApi, ctx: IRouteContext): Promise<void> {
  const provider = (): IFlavorProvider => {
    if (!ctx.platform.flavors) {
      throw new ApiError(404, 'capability_missing', `The ${ctx.platform.name} platform has no compute flavors.`);
    }
    return ctx.platform.flavors;
  };
  const switcher = (): FlavorSwitcher => {
    provider();
    if (!ctx.flavorSwitch) {
      throw new ApiError(
        409,
        'not_owned',
        'Atelier runs beside an existing Jupyter server here and cannot restart it under another flavor.'
      );
    }
    return ctx.flavorSwitch;
  };

  app.get(
    '/flavors',
    { schema: { response: { 200: FlavorList, ...ErrorResponses } } },
    async (): Promise<IFlavorList> => {
      const flavors = provider();
      const [list, current] = await Promise.all([flavors.list(), flavors.current()]);
      const last = ctx.flavorSwitch?.last;
      const switchable = flavors.canSwitch() && !!ctx.flavorSwitch;
      const switchReason = switchable
        ? undefined
        : (flavors.switchReason ??
          (ctx.mode === 'sidecar'
            ? 'Atelier runs beside this Jupyter server (through jupyter-server-proxy) and cannot restart it under another flavor. To switch flavors, start JupyterLab with "atelier lab", or choose the flavor (profile) when your hub starts the server.'
            : 'This platform offers no flavor switch.'));
      return {
        flavors: list,
        current: current.id,
        switchable,
        ...(switchReason ? { switchReason } : {}),
        ...(last ? { switch: last } : {})
      };
    }
  );

  app.get(
    '/flavors/current',
    { schema: { response: { 200: Flavor, ...ErrorResponses } } },
    async (): Promise<IFlavor> => provider().current()
  );

  /** Starts a switch (202); its progress is `GET flavors/switch`. */
  app.post(
    '/flavors/switch',
    { schema: { body: SwitchRequest, response: { 202: FlavorSwitch, ...ErrorResponses } } },
    async (request, reply) => {
      const record = await switcher().start(request.body.flavorId);
      reply.code(202);
      return record;
    }
  );

  app.get('/flavors/switch', { schema: { response: { 200: FlavorSwitch, ...ErrorResponses } } }, async () => {
    const last = switcher().last;
    if (!last) {
      throw new ApiError(404, 'not_found', 'The flavor has not been switched yet.');
    }
    return last;
  });

  app.get('/flavors/usage', { schema: { response: { 200: Usage, ...ErrorResponses } } }, async () => {
    const flavors = provider();
    if (!flavors.usage) {
      throw new ApiError(404, 'capability_missing', `The ${ctx.platform.name} platform does not report usage.`);
    }
    return flavors.usage();
  });
}
