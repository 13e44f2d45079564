import { Type, Static } from '@sinclair/typebox';

/** A resumable upload from the browser: parts go up one by one, in any order, over any time. */
export const Upload = Type.Object({
  id: Type.String(),
  endpoint: Type.String(),
  bucket: Type.String(),
  key: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  partSize: Type.Integer({ minimum: 1 }),
  partCount: Type.Integer({ minimum: 1 }),
  /** The part numbers (1-based) already stored. */
  partsDone: Type.Array(Type.Integer()),
  createdAt: Type.String({ format: 'date-time' })
});
export type IUpload = Static<typeof Upload>;

export const CreateUpload = Type.Object(
  {
    endpoint: Type.String(),
    bucket: Type.String(),
    key: Type.String({ minLength: 1 }),
    size: Type.Integer({ minimum: 1 }),
    overwrite: Type.Boolean({ default: false })
  },
  { additionalProperties: false }
);
export type ICreateUpload = Static<typeof CreateUpload>;
