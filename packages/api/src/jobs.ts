/**
 * Training jobs. Field names follow the ModelArts training job v2 model where it fits
 * (metadata, algorithm with parameters/inputs/outputs/environments, spec.resource with
 * flavorId and nodeCount, status.phase), in camelCase like the rest of this API.
 */
import { Type, Static } from '@sinclair/typebox';
import { QueryFlag } from './common';
import { Flavor } from './flavors';

const NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

export const JobPhase = Type.Union([
  Type.Literal('Pending'),
  Type.Literal('Running'),
  Type.Literal('Stopping'),
  Type.Literal('Completed'),
  Type.Literal('Failed'),
  Type.Literal('Stopped')
]);
export type IJobPhase = Static<typeof JobPhase>;

export const JobParameter = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,127}$',
      description: 'Reaches the program as --name=value.'
    }),
    value: Type.String({ maxLength: 4096 })
  },
  { additionalProperties: false }
);

/** Where an input comes from or an output goes: a storage URI or a workspace path. */
export const JobData = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$',
      description: 'Names the folder and the variable ATELIER_INPUT_<NAME> / ATELIER_OUTPUT_<NAME>.'
    }),
    uri: Type.String({
      minLength: 1,
      description: 's3://bucket/prefix/ or obs://bucket/prefix/ (object storage), or a workspace path.'
    }),
    endpoint: Type.Optional(
      Type.String({ description: 'The storage endpoint of a storage URI; default: the first whose scheme matches.' })
    )
  },
  { additionalProperties: false }
);
export type IJobData = Static<typeof JobData>;

/** What a user submits (the launcher form). */
export const CreateJob = Type.Object(
  {
    name: Type.String({ pattern: NAME, description: 'Letters, digits, "_", "." and "-", at most 64.' }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    /** Workspace folder copied at submission; later edits do not change the job. */
    codeDir: Type.Optional(Type.String()),
    /** Workspace path of a .py or .sh file inside codeDir (default codeDir: its folder). */
    bootFile: Type.Optional(Type.String()),
    /** Workspace path of a notebook to execute headless, instead of a boot file. */
    notebook: Type.Optional(Type.String()),
    /** A command line (run by /bin/sh), instead of a boot file or notebook; for custom images. */
    command: Type.Optional(Type.String({ maxLength: 8192 })),
    parameters: Type.Array(JobParameter, { default: [], maxItems: 200 }),
    environments: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), { default: {} }),
    inputs: Type.Array(JobData, { default: [], maxItems: 50 }),
    outputs: Type.Array(JobData, { default: [], maxItems: 50 }),
    flavorId: Type.Optional(Type.String({ description: 'Default: the smallest flavor of the catalog.' })),
    nodeCount: Type.Integer({ minimum: 1, maximum: 1024, default: 1 }),
    image: Type.Optional(Type.String({ description: 'Container image, for executors that run containers.' })),
    maxRuntimeMinutes: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 60 * 24 * 30, description: 'Stopped when it runs longer.' })
    )
  },
  { additionalProperties: false }
);
export type ICreateJob = Static<typeof CreateJob>;

export const JobEvent = Type.Object({
  phase: JobPhase,
  at: Type.String({ format: 'date-time' }),
  message: Type.Optional(Type.String())
});
export type IJobEvent = Static<typeof JobEvent>;

/** The code as the job runs it: the workspace folder copied at submission, and the program in it. */
export const JobProgram = Type.Object({
  codeDir: Type.Union([Type.String(), Type.Null()], {
    description:
      'The workspace folder copied at submission ("" for the workspace root), or null when nothing was copied (a command without a code directory).'
  }),
  bootFile: Type.Optional(Type.String({ description: 'The boot file, relative to the code directory.' })),
  notebook: Type.Optional(Type.String({ description: 'The notebook, relative to the code directory.' }))
});
export type IJobProgram = Static<typeof JobProgram>;

export const Job = Type.Object({
  id: Type.String(),
  kind: Type.Literal('job'),
  metadata: Type.Object({
    name: Type.String(),
    description: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' })
  }),
  /** The request as submitted (paths as the user gave them). */
  spec: CreateJob,
  /** The code folder that was copied and the program in it (absent for jobs submitted before it was recorded). */
  program: Type.Optional(JobProgram),
  /** The flavor as it was when the job was submitted. */
  flavor: Flavor,
  executor: Type.String({ description: 'local, slurm, …' }),
  status: Type.Object({
    phase: JobPhase,
    /** What is happening now, e.g. "Waiting for 2 CPUs", "Uploading outputs". */
    message: Type.Optional(Type.String()),
    exitCode: Type.Optional(Type.Integer()),
    /** Why the job failed or stopped. */
    reason: Type.Optional(Type.String()),
    startedAt: Type.Optional(Type.String({ format: 'date-time' })),
    finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
    /** Seconds run so far (or in all, when finished). */
    duration: Type.Number(),
    timeline: Type.Array(JobEvent),
    /** The executor's own id (process group, Slurm job id). */
    externalId: Type.Optional(Type.String())
  })
});
export type IJob = Static<typeof Job>;

export const JobList = Type.Object({
  jobs: Type.Array(Job),
  /** The cursor of the next page; absent on the last one. */
  next: Type.Optional(Type.String()),
  /** How many jobs match the query, on every page together. */
  total: Type.Integer({ minimum: 0 })
});
export type IJobList = Static<typeof JobList>;

const jobSort = (options: { default?: string; description?: string } = {}) =>
  Type.Union([Type.Literal('created'), Type.Literal('name'), Type.Literal('phase'), Type.Literal('duration')], options);
export const JobSort = jobSort();
export type IJobSort = Static<typeof JobSort>;

const PHASES = 'Pending|Running|Stopping|Completed|Failed|Stopped';

/** Which jobs to list, in which order, from where. */
export const JobListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'How many jobs in one page.' }),
  cursor: Type.Optional(
    Type.String({ maxLength: 2048, description: "The previous page's `next`: the page after it, in the same order." })
  ),
  sort: Type.Optional(
    jobSort({
      default: 'created',
      description: 'created (newest first), name (A–Z), phase (A–Z) or duration (longest first).'
    })
  ),
  q: Type.Optional(
    Type.String({ maxLength: 256, description: "Words each found in the job's name, id, phase or flavor." })
  ),
  phase: Type.Optional(
    Type.String({
      pattern: `^(${PHASES})(,(${PHASES}))*$`,
      description: 'Only jobs in these phases, comma-separated (e.g. Running,Pending).'
    })
  ),
  name: Type.Optional(Type.String({ maxLength: 256, description: 'Only jobs whose name contains this.' })),
  executor: Type.Optional(Type.String({ maxLength: 64, description: 'Only jobs of this executor (local, slurm, …).' })),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Only jobs submitted at or after this time.' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'Only jobs submitted before this time.' }))
});
export type IJobListQuery = Static<typeof JobListQuery>;

export const LogChunk = Type.Object({
  /** Text from `offset` (UTF-8, possibly cut inside a line). */
  text: Type.String(),
  offset: Type.Integer(),
  /** Where the next read starts. */
  nextOffset: Type.Integer(),
  /** The log's size now. */
  size: Type.Integer(),
  /** True once the job has finished and everything was read. */
  complete: Type.Boolean()
});
export type ILogChunk = Static<typeof LogChunk>;

export const JobFlavors = Type.Object({
  flavors: Type.Array(Flavor),
  executor: Type.String(),
  /** Whether the executor runs more than one node per job. */
  multiNode: Type.Boolean()
});
export type IJobFlavors = Static<typeof JobFlavors>;

/** Which part of a job's log to read: a byte range, or the whole log as a download. */
export const LogQuery = Type.Object({
  offset: Type.Integer({ minimum: 0, default: 0, description: 'The first byte to read.' }),
  limit: Type.Integer({
    minimum: 1,
    maximum: 8 * 1024 * 1024,
    default: 1024 * 1024,
    description: 'How many bytes to read at most.'
  }),
  download: Type.Optional(QueryFlag({ description: 'Send the whole log as a file.' }))
});

/** Where a job's log stream starts. */
export const LogStreamQuery = Type.Object({
  offset: Type.Integer({ minimum: 0, default: 0, description: 'The first byte to send.' })
});

/** A file in a job's folder: the job's id and the file's path in the folder. */
export const JobFileParams = Type.Object({
  id: Type.String({ description: "The job's id." }),
  '*': Type.String({ description: "The file's path in the job's folder." })
});

// -- Training metrics (server/src/jobs/metrics.ts; docs/jobs.md, "Metrics") ----------------

/** A value a job reported at a step. */
export const MetricPoint = Type.Object({ step: Type.Number(), value: Type.Number() });
export type IMetricPoint = Static<typeof MetricPoint>;

/** One metric of a job: its points in the order they came, thinned past 1,000. */
export const MetricSeries = Type.Object({
  name: Type.String({ description: 'The name in the log line or the metrics file, e.g. "loss".' }),
  points: Type.Array(MetricPoint),
  reported: Type.Integer({
    description: 'How many values were reported in all: more than the points once they were thinned.'
  })
});
export type IMetricSeries = Static<typeof MetricSeries>;

/** The metrics a job has reported so far, from its log and its metrics file. */
export const JobMetrics = Type.Object({
  series: Type.Array(MetricSeries),
  /** Grows whenever a series changed: the stream sends the metrics again only then. */
  revision: Type.Integer(),
  /** True once the job has finished and everything was read. */
  complete: Type.Boolean()
});
export type IJobMetrics = Static<typeof JobMetrics>;
