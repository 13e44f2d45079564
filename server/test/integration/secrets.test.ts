/**
 * Credentials live in the service only: the storage endpoint's access key and secret, read
 * from the service's environment, are not in the environment of the Jupyter server, of its
 * kernels, or of jobs, unless a job maps one in explicitly.
 */
import * as fs from 'fs';
import { evaluate } from '../support/kernel';
import { IGateway, request, startGateway } from '../support/atelier';
import { IS3Server, startS3rver } from '../support/s3rver';

let gw: IGateway;
let s3: IS3Server;
const names = { id: 'ATELIER_IT_S3_KEY_ID', secret: 'IT_S3_SECRET', session: 'IT_S3_SESSION' };
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  s3 = await startS3rver(['data']);
  // The service reads them from its own environment, as a user would export them.
  for (const name of Object.values(names)) {
    saved[name] = process.env[name];
  }
  process.env[names.id] = s3.accessKeyId;
  process.env[names.secret] = s3.secretAccessKey;
  process.env[names.session] = '';
  gw = await startGateway({
    'storage.endpoints': [
      {
        id: 's3',
        endpoint: s3.endpoint,
        credentials: { accessKeyIdEnv: names.id, secretAccessKeyEnv: names.secret, sessionTokenEnv: names.session }
      }
    ]
  });
});

afterAll(async () => {
  await gw?.close();
  await s3?.stop();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
});

const auth = () => ({ Authorization: `token ${gw.token}` });

it('uses the credentials from its environment (so they are the ones that must not leak)', async () => {
  const res = await request(`${gw.url}atelier/api/v1/storage/endpoints/s3/buckets`, { headers: auth() });
  expect(res.status).toBe(200);
  expect(res.json().buckets.map((b: { name: string }) => b.name)).toEqual(['data']);
});

it('keeps them out of the Jupyter server and of every kernel', async () => {
  const pid = gw.service.jupyter!.pid!;
  const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const present = environ.map(entry => entry.split('=')[0]);
  expect(present).not.toContain(names.id);
  expect(present).not.toContain(names.secret);
  expect(present).not.toContain(names.session);
  expect(present).not.toContain('ATELIER_TOKEN');
  // Something of the service's environment does reach it (the check above can fail).
  expect(present).toContain('PATH');

  const seen = await evaluate(
    gw,
    `sorted(k for k in __import__('os').environ if k in ${JSON.stringify(Object.values(names))})`
  );
  expect(seen).toBe('[]');
  const path = await evaluate(gw, `'PATH' in __import__('os').environ`);
  expect(path).toBe('True');
});

it('keeps them out of jobs, unless the job maps one in by name', async () => {
  fs.writeFileSync(
    `${gw.workspace}/env.py`,
    `import os\nfor k in ${JSON.stringify(Object.values(names))} + ['MAPPED']:\n    print(k, '=', os.environ.get(k, '<unset>'))\n`
  );
  const submit = await request(`${gw.url}atelier/api/v1/jobs`, {
    method: 'POST',
    headers: { ...auth(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'env-check', bootFile: 'env.py', environments: { MAPPED: 'chosen-by-the-user' } })
  });
  expect(submit.status).toBe(201);
  const id = submit.json().id;
  let job: { status: { phase: string } } = submit.json();
  for (let i = 0; i < 300 && !['Completed', 'Failed', 'Stopped'].includes(job.status.phase); i++) {
    await new Promise(resolve => setTimeout(resolve, 200));
    job = (await request(`${gw.url}atelier/api/v1/jobs/${id}`, { headers: auth() })).json();
  }
  expect(job.status.phase).toBe('Completed');
  const log = (
    await request(`${gw.url}atelier/api/v1/jobs/${id}/logs?offset=0&limit=65536`, { headers: auth() })
  ).json().text;
  expect(log).toContain(`${names.id} = <unset>`);
  expect(log).toContain(`${names.secret} = <unset>`);
  expect(log).toContain('MAPPED = chosen-by-the-user');
  expect(log).not.toContain(s3.secretAccessKey);
});
