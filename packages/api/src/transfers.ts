import { Type, Static } from '@sinclair/typebox';

export const TransferState = Type.Union([
  Type.Literal('queued'),
  Type.Literal('running'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('stopped')
]);
export type ITransferState = Static<typeof TransferState>;

/** A copy between the workspace and object storage, run by the service. */
export const Transfer = Type.Object({
  id: Type.String(),
  direction: Type.Union([Type.Literal('to-storage'), Type.Literal('to-workspace')], {
    description: 'to-storage: a copy from the workspace to storage; to-workspace: from storage to the workspace.'
  }),
  endpoint: Type.String(),
  bucket: Type.String(),
  /** The object key, or a prefix ending with '/' for a folder. */
  key: Type.String(),
  /** The workspace path: a file, or a folder. */
  path: Type.String(),
  overwrite: Type.Boolean(),
  state: TransferState,
  filesTotal: Type.Integer(),
  filesDone: Type.Integer(),
  bytesTotal: Type.Integer(),
  bytesDone: Type.Integer(),
  error: Type.Optional(Type.Object({ message: Type.String(), code: Type.String() })),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Optional(Type.String({ format: 'date-time' })),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' }))
});
export type ITransfer = Static<typeof Transfer>;

export const TransferList = Type.Object({ transfers: Type.Array(Transfer) });
export type ITransferList = Static<typeof TransferList>;

export const CreateTransfer = Type.Object(
  {
    direction: Type.Union([Type.Literal('to-storage'), Type.Literal('to-workspace')], {
      description: 'to-storage: copy from the workspace to storage; to-workspace: from storage to the workspace.'
    }),
    endpoint: Type.String(),
    bucket: Type.String(),
    key: Type.String({
      minLength: 1,
      description: "Target (to-storage) or source (to-workspace); end with '/' for a folder."
    }),
    path: Type.String({
      description: "Source (to-storage) or target (to-workspace) in the workspace; '' is its root."
    }),
    overwrite: Type.Boolean({ default: false })
  },
  { additionalProperties: false }
);
export type ICreateTransfer = Static<typeof CreateTransfer>;
