import { Type, Static } from '@sinclair/typebox';
import { QueryFlag } from './common';

/** A configured object storage endpoint (the local one, any S3-compatible server, OBS). */
export const Endpoint = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('local'), Type.Literal('s3')]),
  /** The URI scheme paths are shown with: s3://bucket/key or obs://bucket/key. */
  scheme: Type.Union([Type.Literal('s3'), Type.Literal('obs')])
});
export type IEndpoint = Static<typeof Endpoint>;

export const EndpointList = Type.Object({ endpoints: Type.Array(Endpoint) });
export type IEndpointList = Static<typeof EndpointList>;

export const Bucket = Type.Object({
  name: Type.String(),
  created: Type.Optional(Type.String({ format: 'date-time' }))
});
export type IBucket = Static<typeof Bucket>;

export const BucketList = Type.Object({ buckets: Type.Array(Bucket) });
export type IBucketList = Static<typeof BucketList>;

export const ObjectInfo = Type.Object({
  key: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  lastModified: Type.String({ format: 'date-time' }),
  etag: Type.Optional(Type.String()),
  /** The whole object's CRC-32 in S3's form (base64), where the endpoint keeps one. */
  crc32: Type.Optional(Type.String()),
  /**
   * The whole object's MD5 (hex), where its ETag is one: an object stored in one piece and not
   * encrypted with SSE-KMS or SSE-C (a multipart upload's ETag, "…-N", is not).
   */
  md5: Type.Optional(Type.String())
});
export type IObjectInfo = Static<typeof ObjectInfo>;

/** One page of a listing: "folders" (common prefixes) and objects, in key order. */
export const Listing = Type.Object({
  prefix: Type.String(),
  prefixes: Type.Array(Type.String()),
  objects: Type.Array(ObjectInfo),
  nextToken: Type.Optional(Type.String({ description: 'Pass as `pageToken` for the next page.' }))
});
export type IListing = Static<typeof Listing>;

export const ListQuery = Type.Object({
  prefix: Type.String({ default: '' }),
  delimiter: Type.Union([Type.Literal('/'), Type.Literal('')], { default: '/' }),
  /** Not `token`: Jupyter reads a `token` in the query as its own credential (sidecar mode). */
  pageToken: Type.Optional(Type.String({ description: 'The `nextToken` of the previous page.' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 1000 })
});
export type IListQuery = Static<typeof ListQuery>;

export const KeyQuery = Type.Object({ key: Type.String({ minLength: 1 }) });

export const ObjectQuery = Type.Object({
  key: Type.String({ minLength: 1 }),
  download: Type.Optional(QueryFlag({ description: 'Answer as a file to save (Content-Disposition: attachment).' })),
  preview: Type.Optional(
    QueryFlag({ description: 'Refuse with 413 when the object is larger than storage.previewMaxBytes.' })
  )
});

export const CreateBucketBody = Type.Object({ name: Type.String() }, { additionalProperties: false });
export const CreateFolderBody = Type.Object({ key: Type.String({ minLength: 1 }) }, { additionalProperties: false });

/** Copy or move one object, or every object under a prefix ending with '/'. */
export const CopyBody = Type.Object(
  {
    from: Type.String({ minLength: 1 }),
    to: Type.String({ minLength: 1 }),
    toBucket: Type.Optional(Type.String()),
    move: Type.Boolean({ default: false }),
    overwrite: Type.Boolean({ default: false })
  },
  { additionalProperties: false }
);
export type ICopyBody = Static<typeof CopyBody>;

export const CopyResult = Type.Object({ copied: Type.Integer(), moved: Type.Boolean() });

export const DeleteQuery = Type.Object({
  key: Type.Optional(Type.String({ minLength: 1 })),
  prefix: Type.Optional(
    Type.String({ minLength: 1, description: 'Delete every object under this prefix (ends with /).' })
  )
});
export const DeleteResult = Type.Object({ deleted: Type.Integer() });

export const CountResult = Type.Object({
  objects: Type.Integer({ description: 'Objects under the prefix (folder placeholders left out).' }),
  bytes: Type.Integer({ description: 'Their bytes.' }),
  folders: Type.Integer({ description: 'Folders under the prefix, empty ones included (not the prefix itself).' })
});
export type ICountResult = Static<typeof CountResult>;

/** The path parameters of a route about one endpoint. */
export const EndpointParams = Type.Object({ endpoint: Type.String({ description: 'The endpoint id.' }) });

/** The path parameters of a route about one bucket. */
export const BucketParams = Type.Object({
  endpoint: Type.String({ description: 'The endpoint id.' }),
  bucket: Type.String({ description: 'The bucket name.' })
});
