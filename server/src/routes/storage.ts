import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Readable } from 'stream';
import { ApiError } from '../errors';
import type { IObjectStore, IStorageProvider } from '../platform/storage';
import { checkKey, checkPrefix, objectExists } from '../platform/storage';
import {
  BucketList,
  BucketParams,
  CopyBody,
  CopyResult,
  CountResult,
  CreateBucketBody,
  CreateFolderBody,
  CreateUpload,
  DeleteQuery,
  DeleteResult,
  EndpointList,
  EndpointParams,
  ErrorResponses,
  KeyQuery,
  ListQuery,
  Listing,
  ObjectInfo,
  ObjectQuery,
  QueryFlag,
  Upload,
  isSet
} from '@atelier/api';
import type { ICopyBody, IQueryFlag } from '@atelier/api';
import type { IApi, IRouteContext } from './context';
import { contentTypeOf, inert } from './files';

/** Every key under a prefix, page by page (recursive, placeholders included). */
export async function* listAll(
  store: IObjectStore,
  bucket: string,
  prefix: string
): AsyncGenerator<{ key: string; size: number }> {
  let token: string | undefined;
  do {
    const page = await store.list(bucket, { prefix, delimiter: '', token, limit: 1000 });
    for (const object of page.objects) {
      yield object;
    }
    token = page.nextToken;
  } while (token);
}

export default async function storageRoutes(app: IApi, ctx: IRouteContext): Promise<void> {
  const provider = (): IStorageProvider => {
    if (!ctx.platform.storage) {
      throw new ApiError(404, 'capability_missing', `The ${ctx.platform.name} platform has no object storage.`);
    }
    return ctx.platform.storage;
  };
  const store = (endpoint: string) => provider().get(endpoint);
  const base = '/storage/endpoints/:endpoint/buckets/:bucket';

  app.get('/storage/endpoints', { schema: { response: { 200: EndpointList, ...ErrorResponses } } }, async () => ({
    endpoints: provider().endpoints()
  }));

  app.get(
    '/storage/endpoints/:endpoint/buckets',
    { schema: { params: EndpointParams, response: { 200: BucketList, ...ErrorResponses } } },
    async request => ({ buckets: await store(request.params.endpoint).listBuckets() })
  );

  app.post(
    '/storage/endpoints/:endpoint/buckets',
    {
      schema: {
        params: EndpointParams,
        body: CreateBucketBody,
        response: { 201: Type.Object({ name: Type.String() }), ...ErrorResponses }
      }
    },
    async (request, reply) => {
      await store(request.params.endpoint).createBucket(request.body.name);
      reply.code(201);
      return { name: request.body.name };
    }
  );

  app.get(
    `${base}/objects`,
    { schema: { params: BucketParams, querystring: ListQuery, response: { 200: Listing, ...ErrorResponses } } },
    async request => {
      const { prefix, delimiter, pageToken, limit } = request.query;
      return store(request.params.endpoint).list(request.params.bucket, { prefix, delimiter, token: pageToken, limit });
    }
  );

  app.get(
    `${base}/stat`,
    { schema: { params: BucketParams, querystring: KeyQuery, response: { 200: ObjectInfo, ...ErrorResponses } } },
    async request => store(request.params.endpoint).stat(request.params.bucket, request.query.key)
  );

  app.get(`${base}/object`, { schema: { params: BucketParams, querystring: ObjectQuery } }, async (request, reply) => {
    const { key, download, preview } = request.query;
    const s = store(request.params.endpoint);
    if (isSet(preview)) {
      const info = await s.stat(request.params.bucket, key);
      const limit = app.atelierConfig.storage.previewMaxBytes;
      if (info.size > limit) {
        throw new ApiError(
          413,
          'too_large_to_preview',
          `"${key}" is ${info.size} bytes; previews show objects up to ${limit} bytes. Download it instead.`
        );
      }
    }
    const { info, stream } = await s.read(request.params.bucket, key);
    return sendObject(reply, key, info.size, info.etag, stream, isSet(download));
  });

  // Uploads of a browser's file: the raw body streams into the store.
  await app.register(async raw => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    raw.put<{ Params: { endpoint: string; bucket: string }; Querystring: { key: string; overwrite: IQueryFlag } }>(
      `${base}/object`,
      {
        schema: {
          params: BucketParams,
          querystring: Type.Object({ key: Type.String({ minLength: 1 }), overwrite: QueryFlag({ default: true }) }),
          response: { 201: ObjectInfo, ...ErrorResponses }
        }
      },
      async (request, reply) => {
        const { key, overwrite } = request.query;
        const s = store(request.params.endpoint);
        checkKey(key);
        if (!isSet(overwrite) && (await objectExists(s, request.params.bucket, key))) {
          throw new ApiError(409, 'exists', `"${key}" already exists in "${request.params.bucket}".`);
        }
        const length = request.headers['content-length'];
        const info = await s.write(request.params.bucket, key, request.body as Readable, {
          size: length === undefined ? undefined : Number(length),
          contentType: request.headers['content-type'] || contentTypeOf(key)
        });
        reply.code(201);
        return info;
      }
    );
  });

  // Resumable uploads: a session, its parts (raw bodies of at most one part), completion.
  const uploads = () => {
    if (!ctx.uploads) {
      throw new ApiError(404, 'capability_missing', `The ${ctx.platform.name} platform has no object storage.`);
    }
    return ctx.uploads;
  };
  const UploadParams = Type.Object({ id: Type.String() });
  app.post(
    '/storage/uploads',
    { schema: { body: CreateUpload, response: { 201: Upload, ...ErrorResponses } } },
    async (request, reply) => {
      const upload = await uploads().create(request.body);
      reply.code(201);
      return upload;
    }
  );
  app.get(
    '/storage/uploads/:id',
    { schema: { params: UploadParams, response: { 200: Upload, ...ErrorResponses } } },
    async request => uploads().get(request.params.id)
  );
  app.post(
    '/storage/uploads/:id/complete',
    { schema: { params: UploadParams, response: { 200: ObjectInfo, ...ErrorResponses } } },
    async request => uploads().complete(request.params.id)
  );
  app.delete(
    '/storage/uploads/:id',
    { schema: { params: UploadParams, response: { 204: Type.Null(), ...ErrorResponses } } },
    async (request, reply) => {
      await uploads().abort(request.params.id);
      reply.code(204);
      return null;
    }
  );
  await app.register(async raw => {
    const limit = app.atelierConfig.storage.partSizeMiB * 1024 * 1024;
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_request, body, done) => done(null, body));
    raw.put<{ Params: { id: string; part: number } }>(
      '/storage/uploads/:id/parts/:part',
      {
        bodyLimit: limit,
        schema: {
          params: Type.Object({ id: Type.String(), part: Type.Integer({ minimum: 1, maximum: 10000 }) }),
          response: { 200: Upload, ...ErrorResponses }
        }
      },
      async request =>
        uploads().putPart(request.params.id, request.params.part, (request.body as Buffer) ?? Buffer.alloc(0))
    );
  });

  app.post(
    `${base}/folders`,
    {
      schema: {
        params: BucketParams,
        body: CreateFolderBody,
        response: { 201: Type.Object({ key: Type.String() }), ...ErrorResponses }
      }
    },
    async (request, reply) => {
      const key = request.body.key.endsWith('/') ? request.body.key : `${request.body.key}/`;
      checkKey(key, 'folder');
      await store(request.params.endpoint).createFolder(request.params.bucket, key);
      reply.code(201);
      return { key };
    }
  );

  app.get(
    `${base}/count`,
    {
      schema: {
        params: BucketParams,
        querystring: Type.Object({ prefix: Type.String({ minLength: 1 }) }),
        response: { 200: CountResult, ...ErrorResponses }
      }
    },
    async request => {
      const prefix = checkPrefix(request.query.prefix);
      let objects = 0;
      let bytes = 0;
      for await (const object of listAll(store(request.params.endpoint), request.params.bucket, prefix)) {
        if (!object.key.endsWith('/')) {
          objects += 1;
          bytes += object.size;
        }
      }
      return { objects, bytes };
    }
  );

  app.post(
    `${base}/copy`,
    { schema: { params: BucketParams, body: CopyBody, response: { 200: CopyResult, ...ErrorResponses } } },
    async request => copyOrMove(store(request.params.endpoint), request.params.bucket, request.body)
  );

  app.delete(
    `${base}/objects`,
    { schema: { params: BucketParams, querystring: DeleteQuery, response: { 200: DeleteResult, ...ErrorResponses } } },
    async request => {
      const { key, prefix } = request.query;
      const s = store(request.params.endpoint);
      const bucket = request.params.bucket;
      if ((key === undefined) === (prefix === undefined)) {
        throw new ApiError(
          400,
          'invalid_request',
          'Give either `key` (one object) or `prefix` (a folder and everything in it).'
        );
      }
      if (key !== undefined) {
        checkKey(key);
        await s.stat(bucket, key);
        await s.delete(bucket, [key]);
        return { deleted: 1 };
      }
      const folder = checkKey(prefix!.endsWith('/') ? prefix! : `${prefix}/`, 'prefix');
      const keys: string[] = [];
      let deleted = 0;
      for await (const object of listAll(s, bucket, folder)) {
        keys.push(object.key);
        if (!object.key.endsWith('/')) {
          deleted += 1;
        }
        if (keys.length === 1000) {
          await s.delete(bucket, keys.splice(0));
        }
      }
      keys.push(folder);
      await s.delete(bucket, keys);
      return { deleted };
    }
  );
}

function sendObject(
  reply: FastifyReply,
  key: string,
  size: number,
  etag: string | undefined,
  stream: Readable,
  download: boolean
) {
  reply.header('Content-Type', contentTypeOf(key));
  reply.header('Content-Length', String(size));
  inert(reply, download ? key : undefined);
  reply.header('Cache-Control', 'no-store');
  if (etag) {
    reply.header('ETag', `"${etag}"`);
  }
  return reply.send(stream);
}

/** Copies (or moves) one object, or every object under a prefix ending with '/'. */
async function copyOrMove(
  store: IObjectStore,
  bucket: string,
  body: ICopyBody
): Promise<{ copied: number; moved: boolean }> {
  const toBucket = body.toBucket ?? bucket;
  const from = checkKey(body.from, 'source');
  const to = checkKey(body.to, 'target');
  const pairs: [string, string][] = [];
  if (from.endsWith('/')) {
    if (!to.endsWith('/')) {
      throw new ApiError(400, 'invalid_request', 'A folder is copied to a folder: end the target with "/".');
    }
    if (toBucket === bucket && to.startsWith(from)) {
      throw new ApiError(400, 'invalid_request', `"${to}" is inside "${from}"; a folder cannot be copied into itself.`);
    }
    for await (const object of listAll(store, bucket, from)) {
      pairs.push([object.key, `${to}${object.key.slice(from.length)}`]);
    }
    if (pairs.length === 0) {
      await store.stat(bucket, from);
    }
  } else {
    await store.stat(bucket, from);
    pairs.push([from, to.endsWith('/') ? `${to}${from.split('/').pop()}` : to]);
  }
  if (toBucket === bucket && pairs.some(([a, b]) => a === b)) {
    throw new ApiError(400, 'invalid_request', 'The source and the target are the same.');
  }
  if (!body.overwrite) {
    const taken: string[] = [];
    for (const [, target] of pairs) {
      if (!target.endsWith('/') && (await objectExists(store, toBucket, target))) {
        taken.push(target);
      }
    }
    if (taken.length) {
      throw new ApiError(
        409,
        'exists',
        `${taken.length === 1 ? `"${taken[0]}" already exists` : `${taken.length} objects already exist, e.g. "${taken[0]}"`} in "${toBucket}".`
      );
    }
  }
  let copied = 0;
  for (const [source, target] of pairs) {
    if (source.endsWith('/')) {
      await store.createFolder(toBucket, target);
    } else {
      await store.copy(bucket, source, toBucket, target);
      copied += 1;
    }
  }
  if (body.move) {
    const sources = pairs.map(([source]) => source);
    if (from.endsWith('/')) {
      sources.push(from);
    }
    await store.delete(bucket, sources);
  }
  return { copied, moved: body.move };
}
