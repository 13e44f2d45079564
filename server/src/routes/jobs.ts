import type { FastifyReply } from 'fastify';
import * as path from 'path';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../errors';
import { openFile } from '../streams';
import type { JobManager } from '../jobs';
import {
  CreateJob,
  ErrorResponses,
  IdParams,
  Job,
  JobFileParams,
  JobFlavors,
  JobList,
  JobListQuery,
  JobMetrics,
  LogChunk,
  LogQuery,
  LogStreamQuery,
  isSet
} from '@atelier/api';
import type { IJob } from '@atelier/api';
import type { IApi, IRouteContext } from './context';
import { eventStream, follow } from './sse';
import { inert } from './files';

export default async function jobRoutes(app: IApi, ctx: IRouteContext): Promise<void> {
  const manager = (): JobManager => {
    if (!ctx.jobs) {
      throw new ApiError(
        404,
        'capability_missing',
        `The ${ctx.platform.name} platform has no training jobs (or they are disabled).`
      );
    }
    return ctx.jobs;
  };

  app.get('/jobs/flavors', { schema: { response: { 200: JobFlavors, ...ErrorResponses } } }, async () => {
    const jobs = manager();
    return { flavors: await jobs.flavors(), executor: jobs.executor.name, multiNode: jobs.executor.queues };
  });

  app.get(
    '/jobs',
    { schema: { querystring: JobListQuery, response: { 200: JobList, ...ErrorResponses } } },
    async request => manager().list(request.query)
  );

  app.post(
    '/jobs',
    { schema: { body: CreateJob, response: { 201: Job, ...ErrorResponses } } },
    async (request, reply) => {
      const job = await manager().create(request.body);
      reply.code(201);
      return job;
    }
  );

  /** Server-sent events: `job` on every change of any job, `removed` with the id of a deleted one. */
  app.get('/jobs/events', async (request, reply) => {
    const jobs = manager();
    const stream = eventStream(request, reply);
    const onChange = (job: IJob) => stream.send('job', job);
    const onRemove = (id: string) => stream.send('removed', { id });
    const onClose = () => reply.raw.end();
    jobs.on('change', onChange);
    jobs.on('remove', onRemove);
    jobs.once('close', onClose);
    await stream.closed;
    jobs.off('change', onChange);
    jobs.off('remove', onRemove);
    jobs.off('close', onClose);
  });

  app.get('/jobs/:id', { schema: { params: IdParams, response: { 200: Job, ...ErrorResponses } } }, async request =>
    manager().get(request.params.id)
  );

  app.post(
    '/jobs/:id/stop',
    { schema: { params: IdParams, response: { 200: Job, ...ErrorResponses } } },
    async request => manager().stop(request.params.id)
  );

  app.delete(
    '/jobs/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), ...ErrorResponses } } },
    async (request, reply) => {
      await manager().remove(request.params.id);
      reply.code(204);
      return null;
    }
  );

  /** The log from an offset (JSON), or all of it as a file (`download=true`). */
  app.get(
    '/jobs/:id/logs',
    { schema: { params: IdParams, querystring: LogQuery, response: { 200: LogChunk, ...ErrorResponses } } },
    async (request, reply) => {
      const jobs = manager();
      const { id } = request.params;
      if (isSet(request.query.download)) {
        const job = await jobs.get(id);
        const file = jobs.logFile(id);
        const opened = await openFile(file);
        reply.header('Content-Type', 'text/plain; charset=utf-8');
        inert(reply, `${job.metadata.name}-${id}.log`);
        // The file, not a LogChunk: the 200 schema describes the JSON answer.
        return (reply as FastifyReply).send(opened ? opened.stream : '');
      }
      return jobs.readLog(id, request.query.offset, request.query.limit);
    }
  );

  /** Server-sent events: `log` {text, nextOffset} as the log grows, `end` once the job has finished. */
  app.get(
    '/jobs/:id/logs/stream',
    { schema: { params: IdParams, querystring: LogStreamQuery } },
    async (request, reply) => {
      const jobs = manager();
      const { id } = request.params;
      jobs.isFinished(id); // 404 before the stream opens
      const stream = eventStream(request, reply);
      let offset = request.query.offset;
      await follow(
        stream,
        reply,
        async () => {
          const chunk = await jobs.readLog(id, offset);
          if (chunk.nextOffset > offset) {
            stream.send('log', { text: chunk.text, offset: chunk.offset, nextOffset: chunk.nextOffset });
            offset = chunk.nextOffset;
            return 'sent';
          }
          if (chunk.complete) {
            stream.send('end', await jobs.get(id));
            return 'done';
          }
          return 'idle';
        },
        100
      );
    }
  );

  /** The metrics the job has reported so far: one series of (step, value) per metric name. */
  app.get(
    '/jobs/:id/metrics',
    { schema: { params: IdParams, response: { 200: JobMetrics, ...ErrorResponses } } },
    async request => manager().metrics(request.params.id)
  );

  /**
   * Server-sent events: `metrics` (all the series, as the GET answers) at once and then whenever
   * they change, checked every half second; `end` once the job has finished and all was read.
   */
  app.get('/jobs/:id/metrics/stream', { schema: { params: IdParams } }, async (request, reply) => {
    const jobs = manager();
    const { id } = request.params;
    jobs.isFinished(id); // 404 before the stream opens
    const stream = eventStream(request, reply);
    let sent = -1;
    await follow(
      stream,
      reply,
      async () => {
        const metrics = await jobs.metrics(id);
        if (metrics.revision !== sent) {
          stream.send('metrics', metrics);
          sent = metrics.revision;
        }
        if (metrics.complete) {
          stream.send('end', { revision: metrics.revision });
          return 'done';
        }
        return 'idle';
      },
      500
    );
  });

  /** A file the job wrote into its folder, e.g. `output.ipynb` (the executed notebook). */
  app.get('/jobs/:id/files/*', { schema: { params: JobFileParams } }, async (request, reply) => {
    const jobs = manager();
    const file = await jobs.jobFile(request.params.id, request.params['*']);
    const opened = await openFile(file);
    if (!opened) {
      throw new ApiError(404, 'not_found', `The job has no file "${request.params['*']}".`);
    }
    reply.header(
      'Content-Type',
      file.endsWith('.ipynb') || file.endsWith('.json') ? 'application/json' : 'application/octet-stream'
    );
    reply.header('Content-Length', String(opened.stat.size));
    inert(reply, path.basename(file));
    return reply.send(opened.stream);
  });
}
