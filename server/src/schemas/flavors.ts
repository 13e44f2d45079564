import { Type, Static } from '@sinclair/typebox';

/** A compute flavor: the size of the notebook's server and its kernels. */
export const Flavor = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
  name: Type.String({ description: 'Display name.' }),
  description: Type.Optional(Type.String()),
  cpus: Type.Number({ exclusiveMinimum: 0, description: 'Number of CPUs (cores).' }),
  memoryMiB: Type.Integer({ minimum: 1, description: 'Memory limit in MiB.' }),
  gpus: Type.Integer({ minimum: 0, default: 0 }),
  gpuType: Type.Optional(Type.String()),
  selectable: Type.Boolean({ description: 'Whether this flavor can be chosen now.' }),
  reason: Type.Optional(Type.String({ description: 'Why the flavor cannot be chosen.' }))
});
export type IFlavor = Static<typeof Flavor>;

export const FlavorList = Type.Object({
  flavors: Type.Array(Flavor),
  current: Type.String({ description: 'The id of the flavor in use.' })
});
export type IFlavorList = Static<typeof FlavorList>;
