import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Readable } from 'stream';
import { ApiError } from '../errors';
import type { IStorageProvider } from '../platform/storage';
import {
  checkPreviewable,
  copyOrMove,
  countUnder,
  createFolder,
  deleteObjects,
  putObject
} from '../storage/operations';
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
import type { IQueryFlag } from '@atelier/api';
import type { IApi, IRouteContext } from './context';
import { contentTypeOf, inert } from './files';

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
      await checkPreviewable(s, request.params.bucket, key, app.atelierConfig.storage.previewMaxBytes);
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
        const length = request.headers['content-length'];
        const info = await putObject(
          store(request.params.endpoint),
          request.params.bucket,
          key,
          request.body as Readable,
          {
            overwrite: isSet(overwrite),
            size: length === undefined ? undefined : Number(length),
            contentType: request.headers['content-type'] || contentTypeOf(key)
          }
        );
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
      const key = await createFolder(store(request.params.endpoint), request.params.bucket, request.body.key);
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
    async request => countUnder(store(request.params.endpoint), request.params.bucket, request.query.prefix)
  );

  app.post(
    `${base}/copy`,
    { schema: { params: BucketParams, body: CopyBody, response: { 200: CopyResult, ...ErrorResponses } } },
    async request => copyOrMove(store(request.params.endpoint), request.params.bucket, request.body)
  );

  app.delete(
    `${base}/objects`,
    { schema: { params: BucketParams, querystring: DeleteQuery, response: { 200: DeleteResult, ...ErrorResponses } } },
    async request => deleteObjects(store(request.params.endpoint), request.params.bucket, request.query)
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
