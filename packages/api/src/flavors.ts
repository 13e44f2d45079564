import { Type, Static } from '@sinclair/typebox';

/** A compute flavor: the size of the notebook's server and its kernels. */
export const Flavor = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
  name: Type.String({ description: 'Display name.' }),
  description: Type.Optional(Type.String()),
  cpus: Type.Number({
    minimum: 0,
    description: 'Number of CPUs (cores); 0: not stated (a JupyterHub profile without a CPU figure).'
  }),
  memoryMiB: Type.Integer({ minimum: 0, description: 'Memory limit in MiB; 0: not stated.' }),
  gpus: Type.Integer({ minimum: 0, default: 0 }),
  gpuType: Type.Optional(Type.String()),
  selectable: Type.Boolean({ description: 'Whether this flavor can be chosen now.' }),
  reason: Type.Optional(Type.String({ description: 'Why the flavor cannot be chosen.' }))
});
export type IFlavor = Static<typeof Flavor>;

export const SwitchState = Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]);

/** A switch of the notebook server to another flavor: a durable record with its steps. */
export const FlavorSwitch = Type.Object({
  id: Type.String(),
  from: Type.String({ description: 'The flavor before the switch.' }),
  to: Type.String({ description: 'The flavor asked for.' }),
  state: SwitchState,
  /** stopping → starting → ready; rolling-back when the new flavor failed. */
  step: Type.Union([
    Type.Literal('stopping'),
    Type.Literal('starting'),
    Type.Literal('ready'),
    Type.Literal('rolling-back'),
    Type.Literal('failed')
  ]),
  message: Type.String({ description: 'What is happening, for a person.' }),
  error: Type.Optional(Type.String({ description: 'Why the switch failed (the server is back on `from`).' })),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' }))
});
export type IFlavorSwitch = Static<typeof FlavorSwitch>;

export const SwitchRequest = Type.Object({ flavorId: Type.String() }, { additionalProperties: false });
export type ISwitchRequest = Static<typeof SwitchRequest>;

export const GpuUsage = Type.Object({
  index: Type.Integer(),
  name: Type.String(),
  utilizationPercent: Type.Number(),
  memoryUsedMiB: Type.Number(),
  memoryTotalMiB: Type.Number()
});

/** Live usage of the notebook server and its kernels. */
export const Usage = Type.Object({
  /** Percent of one CPU (200 = two CPUs busy). */
  cpuPercent: Type.Number(),
  cpus: Type.Number({ description: "The flavor's CPUs." }),
  memoryUsedMiB: Type.Number(),
  memoryLimitMiB: Type.Number(),
  /** Only when GPUs are visible (nvidia-smi). */
  gpus: Type.Optional(Type.Array(GpuUsage)),
  at: Type.String({ format: 'date-time' })
});
export type IUsage = Static<typeof Usage>;

export const FlavorList = Type.Object({
  flavors: Type.Array(Flavor),
  current: Type.String({ description: 'The id of the flavor in use.' }),
  /** Whether this deployment can switch flavors (the service owns the notebook server). */
  switchable: Type.Boolean(),
  /** Why switching is not available here, for a person, when it is not. */
  switchReason: Type.Optional(Type.String()),
  /** The switch under way, or the last one. */
  switch: Type.Optional(FlavorSwitch)
});
export type IFlavorList = Static<typeof FlavorList>;
