/**
 * Atelier's REST API, {baseUrl}atelier/api/v1/..., as a fastify app. The same app serves both
 * modes: behind the gateway (which also proxies everything else to Jupyter) and as a sidecar.
 */
import Fastify, {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerFactory,
  LogController
} from 'fastify';
import swagger from '@fastify/swagger';
import type { IncomingMessage } from 'http';
import type { Logger } from 'pino';
import type { IAuthenticator } from './auth';
import * as path from 'path';
import { ApiError, toApiError } from './errors';
import { fsApiError, isFsError } from './fs-errors';
import { VERSION } from './paths';
import { ErrorBody } from '@atelier/api';
import flavorRoutes from './routes/flavors';
import jobRoutes from './routes/jobs';
import jupyterRoutes from './routes/jupyter';
import statusRoutes from './routes/status';
import storageRoutes from './routes/storage';
import { ROUTE_SUMMARIES } from './routes/summaries';
import transferRoutes from './routes/transfers';
import type { IConfig } from './config';
import type { IRouteContext } from './routes/context';

export type { IRouteContext } from './routes/context';

export interface IAppOptions extends IRouteContext {
  config: IConfig;
  auth: IAuthenticator;
  logger: Logger;
  serverFactory?: FastifyServerFactory;
}

/** How much of an unread request body is read (and dropped) before an error answer, at most. */
const UNREAD_BODY_LIMIT = { bytes: 64 * 1024 * 1024, ms: 10000 };

/** Reads and drops what is left of a request body, up to the limits; never rejects. */
function drainRequest(raw: IncomingMessage, limit: { bytes: number; ms: number }): Promise<void> {
  return new Promise(resolve => {
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', count);
      raw.off('end', done);
      raw.off('error', done);
      raw.off('close', done);
      resolve();
    };
    const count = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limit.bytes) {
        done();
      }
    };
    const timer = setTimeout(done, limit.ms);
    raw.on('data', count);
    raw.once('end', done);
    raw.once('error', done);
    raw.once('close', done);
    raw.resume();
  });
}

/**
 * Request lines at debug level: the front end polls, and a line per request would bury the
 * URL and the warnings a person needs on the terminal. Failed requests keep Fastify's lines.
 */
class QuietRequests extends LogController {
  incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply, ...rest: unknown[]): void {
    if (error) {
      (super.requestCompleted as (...args: unknown[]) => void)(error, request, reply, ...rest);
      return;
    }
    reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * What the error handler receives: ours (ApiError; a DomainError, which toApiError answers with
 * the status of its kind), fastify's (validation, statusCode) or any other.
 */
type IHandledError = Error & { statusCode?: number; validation?: unknown; code?: string };

/** The path prefix of the API, e.g. /atelier/api/v1 or /user/ada/atelier/api/v1. */
export function apiPrefix(baseUrl: string): string {
  return `${baseUrl}atelier/api/v1`;
}

export async function buildApp(options: IAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    serverFactory: options.serverFactory,
    bodyLimit: 1024 * 1024,
    connectionTimeout: 0,
    requestTimeout: 0,
    return503OnClosing: true,
    logController: new QuietRequests(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } }
  });
  app.addSchema(ErrorBody);
  // JupyterLab's ServerConnection labels bodiless POSTs as JSON: an empty body is no body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError(400, 'invalid_json', 'The request body is not valid JSON.'), undefined);
    }
  });
  // jupyter-server-proxy (Tornado's HTTP client) labels a bodiless POST as a form: accept that
  // empty body as no body; no route takes a form.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    if ((body as string).trim() === '') {
      done(null, undefined);
      return;
    }
    done(
      new ApiError(415, 'unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json).'),
      undefined
    );
  });
  app.decorate('atelierConfig', options.config);

  // Paths a user knows; a file system error that no domain call explained is said with them.
  const roots = [
    { dir: options.config.workspace, label: 'the workspace' },
    { dir: path.join(options.config.dataDir, 'buckets'), label: 'local storage' },
    { dir: options.config.dataDir, label: "Atelier's data folder" }
  ];
  app.setErrorHandler((raw: IHandledError, request, reply) => {
    const error: IHandledError = isFsError(raw) ? fsApiError(raw, roots) : (toApiError(raw) ?? raw);
    if (error !== raw && error instanceof ApiError && error.statusCode >= 500) {
      request.log.error({ err: raw }, 'request failed'); // the original, with its path, for the log only
    }
    if (error instanceof ApiError) {
      reply
        .headers(error.headers)
        .code(error.statusCode)
        .send({ message: error.message, code: error.code, ...(error.field ? { field: error.field } : {}) });
      return;
    }
    if (error.validation) {
      reply.code(400).send({ message: `Invalid request: ${error.message}`, code: 'invalid_request' });
      return;
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status < 500) {
      reply.code(status).send({ message: error.message, code: error.code ?? 'bad_request' });
      return;
    }
    request.log.error({ err: error }, 'request failed');
    reply
      .code(500)
      .send({ message: 'Internal error in the Atelier service; its log has the details.', code: 'internal' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      message: `No such Atelier API endpoint: ${request.method} ${request.url.split('?')[0]}`,
      code: 'not_found'
    });
  });

  // Every request, known route or not, is authenticated first.
  app.addHook('onRequest', async request => {
    await options.auth.authenticate(request.raw);
  });

  // A request body the route never read (an early 4xx: a bad key, a name taken, no credentials)
  // is read to its end before the answer goes out. A client still sending it would otherwise
  // meet a closed connection: jupyter-server-proxy sends the body after the headers, and then
  // answers 500 for the broken pipe instead of passing on the 4xx. Bounded: a large body from a
  // client that does not stop is cut off as before.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 && !request.raw.complete && !request.raw.destroyed) {
      await drainRequest(request.raw, UNREAD_BODY_LIMIT);
    }
    return payload;
  });

  const context: IRouteContext = {
    mode: options.mode,
    platform: options.platform,
    jupyter: options.jupyter,
    transfers: options.transfers,
    uploads: options.uploads,
    jobs: options.jobs,
    flavorSwitch: options.flavorSwitch
  };
  // The OpenAPI document is made from the routes' own schemas (GET …/openapi.json).
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Atelier API',
        version: VERSION,
        description:
          "Atelier's REST API under {base_url}atelier/api/v1/: status, compute flavors, object storage and transfers, training jobs. Authentication is Jupyter's (a token header, or the login cookie with the XSRF check)."
      },
      tags: [
        { name: 'status', description: 'The service, its platform and its Jupyter server' },
        { name: 'flavors', description: "The notebook server's compute flavor" },
        { name: 'storage', description: 'Endpoints, buckets, objects and resumable uploads' },
        { name: 'transfers', description: 'Copies between the workspace and storage' },
        { name: 'jobs', description: 'Training jobs' }
      ]
    }
  });
  const prefix = apiPrefix(options.config.baseUrl);
  app.addHook('onRoute', route => {
    // Tag and summary for the OpenAPI document, by the route's path under the API.
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const rel = route.url.startsWith(prefix) ? route.url.slice(prefix.length) : route.url;
    const key = `${methods[0]} ${rel.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}')}`;
    const summary = ROUTE_SUMMARIES[key];
    if (route.url.startsWith(prefix)) {
      route.schema = { ...route.schema, tags: [rel.split('/')[1]], ...(summary ? { summary } : {}) };
    }
  });
  await app.register(
    async api => {
      await api.register(statusRoutes, context);
      await api.register(flavorRoutes, context);
      await api.register(jupyterRoutes, context);
      await api.register(storageRoutes, context);
      await api.register(transferRoutes, context);
      await api.register(jobRoutes, context);
    },
    { prefix }
  );
  return app;
}
