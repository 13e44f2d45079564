import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, IConfig, IS3EndpointConfig } from '../config';
import { DomainError } from '../domain-errors';
import type { IEndpoint } from '@atelier/api';
import { LocalObjectStore } from './local/storage';
import { S3ObjectStore } from './s3/storage';
import type { IObjectStore, IStorageProvider } from './storage';

/** Reads an endpoint's credentials: a mode-0600 file, else the environment. Never logged. */
export function readCredentials(
  endpoint: IS3EndpointConfig,
  env: NodeJS.ProcessEnv = process.env
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  const { credentials } = endpoint;
  if (credentials.file) {
    const stat = fs.statSync(credentials.file, { throwIfNoEntry: false });
    if (!stat) {
      throw new ConfigError(
        `The credentials file of the storage endpoint "${endpoint.id}" (${credentials.file}) does not exist.`
      );
    }
    if ((stat.mode & 0o077) !== 0) {
      throw new ConfigError(`The credentials file ${credentials.file} must be readable by its owner only (chmod 600).`);
    }
    let data: { accessKeyId?: unknown; secretAccessKey?: unknown; sessionToken?: unknown };
    try {
      data = JSON.parse(fs.readFileSync(credentials.file, 'utf8'));
    } catch {
      throw new ConfigError(`The credentials file ${credentials.file} is not valid JSON.`);
    }
    if (typeof data.accessKeyId !== 'string' || typeof data.secretAccessKey !== 'string') {
      throw new ConfigError(`The credentials file ${credentials.file} needs "accessKeyId" and "secretAccessKey".`);
    }
    return {
      accessKeyId: data.accessKeyId,
      secretAccessKey: data.secretAccessKey,
      sessionToken: typeof data.sessionToken === 'string' ? data.sessionToken : undefined
    };
  }
  const accessKeyId = env[credentials.accessKeyIdEnv];
  const secretAccessKey = env[credentials.secretAccessKeyEnv];
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError(
      `The storage endpoint "${endpoint.id}" has no credentials: set ${credentials.accessKeyIdEnv} and ${credentials.secretAccessKeyEnv}, or storage.endpoints[].credentials.file.`
    );
  }
  return { accessKeyId, secretAccessKey, sessionToken: env[credentials.sessionTokenEnv] || undefined };
}

/** The endpoints of the configuration: the local one (unless disabled) and every S3 one. */
export class StorageProvider implements IStorageProvider {
  constructor(config: IConfig, env: NodeJS.ProcessEnv = process.env) {
    const { storage } = config;
    if (storage.local.enabled) {
      const info: IEndpoint = { id: 'local', name: storage.local.name, kind: 'local', scheme: 's3' };
      const root = path.join(config.dataDir, 'buckets');
      fs.mkdirSync(root, { recursive: true, mode: 0o700 });
      this._stores.set('local', new LocalObjectStore(info, root));
    }
    for (const endpoint of storage.endpoints) {
      if (this._stores.has(endpoint.id)) {
        throw new ConfigError(`Two storage endpoints have the id "${endpoint.id}".`);
      }
      const info: IEndpoint = {
        id: endpoint.id,
        name: endpoint.name ?? endpoint.id,
        kind: 's3',
        scheme: endpoint.scheme
      };
      this._stores.set(
        endpoint.id,
        new S3ObjectStore(info, {
          endpoint: endpoint.endpoint,
          region: endpoint.region,
          forcePathStyle: endpoint.forcePathStyle,
          credentials: readCredentials(endpoint, env),
          partSize: storage.partSizeMiB * 1024 * 1024,
          concurrency: storage.concurrency
        })
      );
    }
  }

  endpoints(): IEndpoint[] {
    return [...this._stores.values()].map(s => ({ ...s.info }));
  }

  get(endpointId: string): IObjectStore {
    const store = this._stores.get(endpointId);
    if (!store) {
      throw new DomainError('not_found', 'not_found', `There is no storage endpoint "${endpointId}".`);
    }
    return store;
  }

  async close(): Promise<void> {
    for (const store of this._stores.values()) {
      if (store instanceof S3ObjectStore) {
        store.close();
      }
    }
  }

  private _stores = new Map<string, IObjectStore>();
}
