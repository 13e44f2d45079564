import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IGateway, request, startGateway } from '../support/atelier';
import { ApiClient } from '../support/client';
import { IS3Server, startS3rver } from '../support/s3rver';

let gw: IGateway & { root: string };
let s3: IS3Server;
let storageConfig: Record<string, unknown>;
const MiB = 1024 * 1024;

beforeAll(async () => {
  s3 = await startS3rver(['data']);
  const credentials = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-cred-')), 'credentials.json');
  fs.writeFileSync(credentials, JSON.stringify({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }), {
    mode: 0o600
  });
  storageConfig = {
    'storage.partSizeMiB': 5,
    'storage.endpoints': [{ id: 's3', endpoint: s3.endpoint, credentials: { file: credentials } }]
  };
  gw = await startGateway(storageConfig);
  expect((await call('POST', 'storage/endpoints/local/buckets', { name: 'local-data' })).status).toBe(201);
});

afterAll(async () => {
  await gw?.close();
  await s3?.stop();
});

const client = () => new ApiClient(gw);
const call = (method: string, p: string, body?: unknown) => client().call(method, p, body);
const putPart = (id: string, n: number, body: Buffer) => client().uploads.putPart(id, n, body);
const download = (endpoint: string, bucket: string, key: string) => client().storage.get(endpoint, bucket, key);

describe.each([
  ['local', 'local-data'],
  ['s3', 'data']
])('resumable uploads to the %s endpoint', (endpoint, bucket) => {
  it('takes parts in any order, survives a restart of the service, and completes verified', async () => {
    const data = crypto.randomBytes(12 * MiB + 777);
    const key = 'resumable/ünï big.bin';
    const created = await call('POST', 'storage/uploads', { endpoint, bucket, key, size: data.length });
    expect(created.status).toBe(201);
    const upload = created.json();
    expect(upload).toMatchObject({ partSize: 5 * MiB, partCount: 3, partsDone: [] });
    const part = (n: number) => data.subarray((n - 1) * upload.partSize, Math.min(data.length, n * upload.partSize));

    expect((await putPart(upload.id, 3, part(3))).json().partsDone).toEqual([3]);
    expect((await putPart(upload.id, 1, part(1))).json().partsDone).toEqual([1, 3]);
    // Not visible before completion, and completion refuses while a part is missing.
    expect(
      (await call('GET', `storage/endpoints/${endpoint}/buckets/${bucket}/stat?key=${encodeURIComponent(key)}`)).status
    ).toBe(404);
    const early = await call('POST', `storage/uploads/${upload.id}/complete`);
    expect(early.status).toBe(409);
    expect(early.json().message).toMatch(/part 2/);

    // The service restarts; the session is still there with what it had.
    const { root, token } = gw;
    await gw.close(true);
    gw = await startGateway(storageConfig, {}, { root, token });
    expect((await call('GET', `storage/uploads/${upload.id}`)).json().partsDone).toEqual([1, 3]);

    const wrongSize = await putPart(upload.id, 2, part(2).subarray(1));
    expect(wrongSize.status).toBe(400);
    expect(wrongSize.json().code).toBe('invalid_part');
    expect((await putPart(upload.id, 2, part(2))).status).toBe(200);
    const done = await call('POST', `storage/uploads/${upload.id}/complete`);
    expect(done.status).toBe(200);
    expect(done.json()).toMatchObject({ key, size: data.length });
    expect((await download(endpoint, bucket, key)).equals(data)).toBe(true);
    // The session is gone once complete.
    expect((await call('GET', `storage/uploads/${upload.id}`)).status).toBe(404);
  });

  it('cancels: nothing appears, the session is gone, and a taken name is refused up front', async () => {
    const created = await call('POST', 'storage/uploads', {
      endpoint,
      bucket,
      key: 'resumable/cancelled.bin',
      size: 6 * MiB
    });
    const upload = created.json();
    await putPart(upload.id, 1, crypto.randomBytes(5 * MiB));
    expect((await call('DELETE', `storage/uploads/${upload.id}`)).status).toBe(204);
    expect((await call('GET', `storage/uploads/${upload.id}`)).status).toBe(404);
    expect(
      (await call('GET', `storage/endpoints/${endpoint}/buckets/${bucket}/stat?key=resumable/cancelled.bin`)).status
    ).toBe(404);
    const existing = await request(
      `${gw.url}atelier/api/v1/storage/endpoints/${endpoint}/buckets/${bucket}/object?key=resumable/taken.txt`,
      {
        method: 'PUT',
        headers: { Authorization: `token ${gw.token}`, 'Content-Type': 'text/plain', 'Content-Length': 5 },
        body: 'taken'
      }
    );
    expect(existing.status).toBe(201);
    const taken = await call('POST', 'storage/uploads', { endpoint, bucket, key: 'resumable/taken.txt', size: 10 });
    expect(taken.status).toBe(409);
    expect(
      (
        await call('POST', 'storage/uploads', {
          endpoint,
          bucket,
          key: 'resumable/taken.txt',
          size: 10,
          overwrite: true
        })
      ).status
    ).toBe(201);
    expect((await call('POST', 'storage/uploads', { endpoint, bucket, key: '../escape', size: 10 })).status).toBe(400);
    expect((await call('GET', 'storage/uploads/not-an-id')).status).toBe(404);
    const tooBig = await putPart(upload.id, 1, Buffer.alloc(6 * MiB));
    expect(tooBig.status).toBeGreaterThanOrEqual(400);
  });
});
