import { Type, Static } from '@sinclair/typebox';
import { Flavor } from './flavors';

export const CAPABILITIES = ['flavors', 'storage', 'images', 'jobs', 'gallery'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const JupyterState = Type.Union([
  Type.Literal('stopped'),
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('restarting'),
  Type.Literal('failed'),
  Type.Literal('external')
]);
export type IJupyterState = Static<typeof JupyterState>;

/** `GET /atelier/api/v1/status`: the handshake of the front end. */
export const Status = Type.Object({
  version: Type.String({ description: 'The version of the Atelier service.' }),
  apiVersion: Type.Literal('v1'),
  mode: Type.Union([Type.Literal('gateway'), Type.Literal('sidecar')]),
  platform: Type.String({ description: 'The platform the service runs on (local, huaweicloud).' }),
  user: Type.String(),
  capabilities: Type.Record(Type.String(), Type.Boolean(), {
    description: 'Which capabilities this platform offers; absent ones are false.'
  }),
  jupyter: Type.Object({
    state: JupyterState,
    startedAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'When the Jupyter server last became ready; changes on every restart.'
      })
    )
  }),
  flavor: Type.Optional(Flavor),
  maxResponseBytes: Type.Optional(
    Type.Integer({
      description:
        'The largest response that reaches the browser, where a proxy in front of the service limits it (jupyter-server-proxy: 100 MiB); absent: no limit.'
    })
  )
});
export type IStatus = Static<typeof Status>;

export const JupyterInfo = Type.Object({
  state: JupyterState,
  startedAt: Type.Optional(Type.String({ format: 'date-time' }))
});
export type IJupyterInfo = Static<typeof JupyterInfo>;
