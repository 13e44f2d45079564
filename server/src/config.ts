/**
 * The service's configuration: one file (JSON or YAML) validated against the schema below,
 * then environment overrides. Secrets never live here: the Jupyter token comes from
 * ATELIER_TOKEN (or is generated), platform credentials from the environment.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Type, Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import YAML from 'yaml';

const FlavorConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'Short id used in the API.' }),
    name: Type.Optional(Type.String({ description: 'Display name. Default: the id.' })),
    description: Type.Optional(Type.String({ description: 'One line for the picker.' })),
    cpus: Type.Number({
      exclusiveMinimum: 0,
      description: 'CPUs (the server gets this many, rounded up, as its CPU set).'
    }),
    memoryMiB: Type.Integer({ minimum: 16, description: 'Memory limit in MiB.' }),
    gpus: Type.Optional(Type.Integer({ minimum: 0, description: 'GPUs it may see (where nvidia-smi lists any).' })),
    gpuType: Type.Optional(Type.String({ description: 'The GPU model, for display (e.g. T4).' }))
  },
  { additionalProperties: false }
);
export type IFlavorConfig = Static<typeof FlavorConfig>;

const S3EndpointConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'Short id used in the API and the UI.' }),
    name: Type.Optional(Type.String({ description: 'Its name in the storage panel. Default: the id.' })),
    endpoint: Type.String({
      pattern: '^https?://',
      description: 'The S3 API URL, e.g. http://127.0.0.1:4568 or https://obs.cn-north-4.myhuaweicloud.com'
    }),
    region: Type.String({ default: 'us-east-1', description: 'The region requests are signed for.' }),
    forcePathStyle: Type.Boolean({
      default: true,
      description: 'Bucket in the path (true) or in the host name (false).'
    }),
    scheme: Type.Union([Type.Literal('s3'), Type.Literal('obs')], {
      default: 's3',
      description: 'How paths are shown: s3://… or obs://…'
    }),
    credentials: Type.Object(
      {
        accessKeyIdEnv: Type.String({
          default: 'AWS_ACCESS_KEY_ID',
          description: 'Environment variable holding the access key id.'
        }),
        secretAccessKeyEnv: Type.String({
          default: 'AWS_SECRET_ACCESS_KEY',
          description: 'Environment variable holding the secret access key.'
        }),
        sessionTokenEnv: Type.String({
          default: 'AWS_SESSION_TOKEN',
          description: 'Environment variable holding a session token, if any.'
        }),
        file: Type.Optional(
          Type.String({
            description:
              'JSON file {accessKeyId, secretAccessKey, sessionToken?} with mode 0600; wins over the environment.'
          })
        )
      },
      { default: {}, additionalProperties: false }
    )
  },
  { additionalProperties: false }
);
export type IS3EndpointConfig = Static<typeof S3EndpointConfig>;

export const ConfigSchema = Type.Object(
  {
    platform: Type.Union([Type.Literal('local'), Type.Literal('huaweicloud')], {
      default: 'local',
      description: 'Which platform serves the capabilities.'
    }),
    host: Type.String({ default: '127.0.0.1', description: 'Address the service listens on.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8888, description: 'Public port (0: any free port).' }),
    socket: Type.Optional(Type.String({ description: 'Unix socket to listen on instead of host/port (serve mode).' })),
    baseUrl: Type.String({
      default: '/',
      pattern: '^/',
      description: "Jupyter's base URL; Atelier lives under {baseUrl}atelier/."
    }),
    dataDir: Type.String({
      default: '',
      description:
        "Where Atelier keeps its state: local buckets, transfers, uploads, jobs, logs, Jupyter's private folders. Default: $XDG_DATA_HOME/atelier (~/.local/share/atelier)."
    }),
    workspace: Type.String({
      default: '',
      description: "The Jupyter server's root directory. Default: the current directory."
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l)),
      { default: 'info', description: 'Log level; request lines are logged at debug.' }
    ),
    jupyter: Type.Object(
      {
        python: Type.String({
          default: 'python3',
          description:
            'gateway: the Python with JupyterLab 4 (jupyterlab on jupyter_server 2) that runs the notebook server; default: python3 on PATH.'
        }),
        startTimeoutSeconds: Type.Number({
          minimum: 1,
          default: 90,
          description: 'gateway: how long the Jupyter server may take to answer.'
        }),
        extraArgs: Type.Array(Type.String(), { default: [], description: 'Extra arguments for the Jupyter server.' }),
        url: Type.Optional(
          Type.String({
            description:
              'serve mode: the Jupyter server to check credentials with (else the proxy in front authenticates).'
          })
        )
      },
      { default: {}, additionalProperties: false }
    ),
    auth: Type.Object(
      {
        cacheSeconds: Type.Number({
          minimum: 0,
          maximum: 60,
          default: 5,
          description: 'How long an accepted credential is remembered.'
        })
      },
      { default: {}, additionalProperties: false }
    ),
    storage: Type.Object(
      {
        local: Type.Object(
          {
            enabled: Type.Boolean({
              default: true,
              description: 'Offer the local endpoint: buckets as folders under {dataDir}/buckets.'
            }),
            name: Type.String({ default: 'Local storage', description: 'Its name in the storage panel.' })
          },
          { default: {}, additionalProperties: false }
        ),
        endpoints: Type.Array(S3EndpointConfig, {
          default: [],
          description: 'S3-compatible endpoints (any S3 server, OBS).'
        }),
        partSizeMiB: Type.Integer({
          minimum: 5,
          maximum: 5120,
          default: 16,
          description: 'Multipart part size (smaller objects go in one PUT), and the range size of large downloads.'
        }),
        concurrency: Type.Integer({
          minimum: 1,
          maximum: 64,
          default: 8,
          description: 'Parts, ranges or files in flight at once, per transfer (twice as many for small files).'
        }),
        previewMaxBytes: Type.Integer({
          minimum: 1024,
          default: 1048576,
          description: 'Largest object the panel previews.'
        })
      },
      { default: {}, additionalProperties: false }
    ),
    jobs: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Offer training jobs.' }),
        executor: Type.Union([Type.Literal('local'), Type.Literal('slurm')], {
          default: 'local',
          description: 'local: processes on this machine; slurm: sbatch on a Slurm cluster.'
        }),
        python: Type.String({
          default: '',
          description: 'Python for boot files and notebooks (needs nbclient for notebooks). Default: jupyter.python.'
        }),
        graceSeconds: Type.Number({
          minimum: 0,
          maximum: 3600,
          default: 10,
          description: 'Stop: seconds between SIGTERM and SIGKILL.'
        }),
        maxConcurrent: Type.Integer({
          minimum: 0,
          default: 0,
          description: 'local: most jobs at once (0: as many as the machine fits).'
        }),
        catalog: Type.Optional(
          Type.Array(FlavorConfig, { description: 'Flavors for jobs. Default: the notebook flavor catalog.' })
        ),
        slurm: Type.Object(
          {
            partition: Type.Optional(Type.String({ description: 'sbatch --partition.' })),
            account: Type.Optional(Type.String({ description: 'sbatch --account.' })),
            conf: Type.Optional(Type.String({ description: 'slurm.conf for the client commands (SLURM_CONF).' })),
            binDir: Type.Optional(
              Type.String({ description: 'Folder of sbatch, scontrol, squeue, scancel. Default: PATH.' })
            ),
            extraArgs: Type.Array(Type.String(), { default: [], description: 'More sbatch options.' })
          },
          { default: {}, additionalProperties: false }
        )
      },
      { default: {}, additionalProperties: false }
    ),
    flavors: Type.Object(
      {
        default: Type.Optional(
          Type.String({
            description:
              'The flavor to start with. Default: the largest that fits; a flavor chosen in the UI wins while it is offered and fits.'
          })
        ),
        catalog: Type.Optional(
          Type.Array(FlavorConfig, {
            description:
              'Replaces the catalog generated from the machine (small: 1 CPU; half; the whole machine; a GPU flavor where GPUs exist).'
          })
        )
      },
      { default: {}, additionalProperties: false }
    )
  },
  { additionalProperties: false }
);
export type IConfig = Static<typeof ConfigSchema>;

/** Environment variables that override configuration keys. */
export const ENV_OVERRIDES: Record<string, { key: string[]; type: 'string' | 'integer' }> = {
  ATELIER_PLATFORM: { key: ['platform'], type: 'string' },
  ATELIER_HOST: { key: ['host'], type: 'string' },
  ATELIER_PORT: { key: ['port'], type: 'integer' },
  ATELIER_BASE_URL: { key: ['baseUrl'], type: 'string' },
  ATELIER_DATA_DIR: { key: ['dataDir'], type: 'string' },
  ATELIER_WORKSPACE: { key: ['workspace'], type: 'string' },
  ATELIER_LOG_LEVEL: { key: ['logLevel'], type: 'string' },
  ATELIER_PYTHON: { key: ['jupyter', 'python'], type: 'string' },
  ATELIER_JOBS_EXECUTOR: { key: ['jobs', 'executor'], type: 'string' }
};

/** Environment variables read besides the configuration keys, for the reference. */
export const OTHER_ENVIRONMENT: Record<string, string> = {
  ATELIER_CONFIG: 'The configuration file (as --config).',
  ATELIER_MEMORY_LIMITS:
    'rlimit: use the address-space limit for flavors and jobs even where memory cgroups could be created (tests of the fallback).',
  ATELIER_TOKEN:
    "gateway: the Jupyter token to use; default: a random one. Removed from the Jupyter server's and the jobs' environments.",
  ATELIER_HUB_PROFILES:
    "Under JupyterHub: the Hub's profile list (KubeSpawner's profile_list as JSON); its profiles become the flavors (docs/jupyterhub.md)."
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function setPath(target: Record<string, any>, key: string[], value: unknown): void {
  let node = target;
  for (const part of key.slice(0, -1)) {
    node = node[part] = typeof node[part] === 'object' && node[part] !== null ? node[part] : {};
  }
  node[key[key.length - 1]] = value;
}

function validate<T extends TSchema>(schema: T, value: unknown, source: string): Static<T> {
  const withDefaults = Value.Default(schema, Value.Clone(value));
  const errors = [...Value.Errors(schema, withDefaults)];
  if (errors.length) {
    const lines = errors.slice(0, 10).map(e => `  ${e.path || '/'}: ${e.message}`);
    throw new ConfigError(`Invalid configuration (${source}):\n${lines.join('\n')}`);
  }
  return withDefaults as Static<T>;
}

function readFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read the configuration file ${file}: ${(e as Error).message}`);
  }
  try {
    return /\.ya?ml$/i.test(file) ? (YAML.parse(text) ?? {}) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `The configuration file ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(e as Error).message}`
    );
  }
}

/**
 * The environment variables holding secrets the service reads (its token, the storage
 * endpoints' credentials as the configuration names them). They stay in the service: the
 * Jupyter server, its kernels and terminals, and jobs start without them.
 */
export function secretEnvNames(config: IConfig): string[] {
  const names = new Set(['ATELIER_TOKEN']);
  for (const { credentials } of config.storage.endpoints) {
    names.add(credentials.accessKeyIdEnv);
    names.add(credentials.secretAccessKeyEnv);
    names.add(credentials.sessionTokenEnv);
  }
  return [...names];
}

export interface ILoadOptions {
  /** Path of the configuration file; default $ATELIER_CONFIG. */
  file?: string;
  /** Values that win over the file and the environment (command-line flags). */
  overrides?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

/** Loads, merges and validates the configuration. Throws ConfigError with every problem found. */
export function loadConfig(options: ILoadOptions = {}): IConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.ATELIER_CONFIG;
  const raw: Record<string, any> = file ? ((readFile(file) as Record<string, any>) ?? {}) : {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`The configuration file ${file} must hold an object.`);
  }
  for (const [name, { key, type }] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') {
      continue;
    }
    if (type === 'integer') {
      if (!/^\d+$/.test(value)) {
        throw new ConfigError(`${name} must be a whole number, not "${value}".`);
      }
      setPath(raw, key, Number(value));
    } else {
      setPath(raw, key, value);
    }
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) {
      setPath(raw, key.split('.'), value);
    }
  }
  const config = validate(ConfigSchema, raw, file ?? 'defaults and environment');
  if (!config.baseUrl.endsWith('/')) {
    config.baseUrl += '/';
  }
  const dataHome = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  config.dataDir = path.resolve(config.dataDir || path.join(dataHome, 'atelier'));
  config.workspace = path.resolve(config.workspace || process.cwd());
  return config;
}
