/**
 * Atelier installed the way JupyterLab users install extensions: the wheel in a Python
 * environment with PyPI's JupyterLab (the scripts build it and install it into .venv). Plain
 * `jupyter lab` then loads the prebuilt labextension and serves the service at
 * {base_url}atelier/ through jupyter-server-proxy, behind Jupyter's own authentication, with
 * no configuration; `pip uninstall` takes it all away again.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { request } from '../support/atelier';
import { ILab, labEnvironment, REPO, startLab, VENV, VENV_BIN as BIN } from '../support/lab';

const WHEEL_DIR = path.join(REPO, 'dist');

let root: string;
let lab: ILab | undefined;
let base: string;
const token = crypto.randomBytes(16).toString('hex');
const auth = { Authorization: `token ${token}` };

// eslint-disable-next-line no-control-regex
const ANSI_COLORS = /\u001b\[[0-9;]*m/g;

/** What `jupyter labextension list` says (it writes the list to stderr). */
function labextensions(env: NodeJS.ProcessEnv): string {
  return execFileSync('sh', ['-c', `"${path.join(BIN, 'jupyter')}" labextension list 2>&1`], {
    env,
    encoding: 'utf8',
    timeout: 60000
  }).replace(ANSI_COLORS, '');
}

function environment(): NodeJS.ProcessEnv {
  return labEnvironment(root);
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-addon-'));
  fs.mkdirSync(path.join(root, 'work'));
  lab = await startLab({ root, workspace: path.join(root, 'work'), token, timeoutMs: 90000 });
  base = lab.url;
});

afterAll(async () => {
  await lab?.stop();
  if (root) {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

it('is listed by `jupyter labextension list` as enabled and OK, and loaded by the Lab page', async () => {
  const out = labextensions(environment());
  expect(out).toMatch(/jupyterlab-atelier v\S+ .*enabled.*OK.*\(python, jupyterlab-atelier\)/);
  const page = await request(`${base}lab`, { headers: { ...auth, Accept: 'text/html' } });
  expect(page.status).toBe(200);
  expect(page.body).toContain('jupyterlab-atelier');
});

it('serves the service at {base_url}atelier/ behind Jupyter’s authentication, as a sidecar', async () => {
  const anonymous = await request(`${base}atelier/api/v1/status`);
  expect([302, 401, 403]).toContain(anonymous.status);
  expect(anonymous.body).not.toContain('apiVersion');
  const wrong = await request(`${base}atelier/api/v1/status`, { headers: { Authorization: 'token wrong' } });
  expect([302, 401, 403]).toContain(wrong.status);
  const status = await request(`${base}atelier/api/v1/status`, { headers: auth });
  expect(status.status).toBe(200);
  expect(status.json()).toMatchObject({ apiVersion: 'v1', mode: 'sidecar', platform: 'local' });

  // Work through it: a bucket and an object on the local endpoint.
  const bucket = await request(`${base}atelier/api/v1/storage/endpoints/local/buckets`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'addon' })
  });
  expect(bucket.status).toBe(201);
  const put = await request(`${base}atelier/api/v1/storage/endpoints/local/buckets/addon/object?key=hello.txt`, {
    method: 'PUT',
    headers: { ...auth, 'Content-Type': 'text/plain', 'Content-Length': 5 },
    body: 'hello'
  });
  expect(put.status).toBe(201);
  const get = await request(`${base}atelier/api/v1/storage/endpoints/local/buckets/addon/object?key=hello.txt`, {
    headers: auth
  });
  expect(get.body).toBe('hello');
});

it("works in the Jupyter server's root directory, as the file browser shows it", async () => {
  fs.writeFileSync(path.join(root, 'work', 'seen.txt'), 'from the workspace');
  const copied = await request(`${base}atelier/api/v1/transfers`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      direction: 'to-storage',
      endpoint: 'local',
      bucket: 'addon',
      key: 'seen.txt',
      path: 'seen.txt'
    })
  });
  expect(copied.status).toBe(201);
});

it('reports the flavor switch unavailable here, with the reason', async () => {
  const flavors = await request(`${base}atelier/api/v1/flavors`, { headers: auth });
  expect(flavors.status).toBe(200);
  expect(flavors.json()).toMatchObject({
    switchable: false,
    switchReason: expect.stringMatching(/jupyter-server-proxy/)
  });
  const attempt = await request(`${base}atelier/api/v1/flavors/switch`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ flavorId: flavors.json().flavors[0].id })
  });
  expect([attempt.status, attempt.json().code]).toEqual([409, 'not_owned']);
  // The usage figures are the notebook server's (with its kernels and the service under it).
  const usage = await request(`${base}atelier/api/v1/flavors/usage`, { headers: auth });
  expect(usage.status).toBe(200);
  expect(usage.json().memoryUsedMiB).toBeGreaterThan(20);
});

it('is removed cleanly by pip uninstall (and installed again from the wheel)', () => {
  const env = environment();
  const shared = path.join(VENV, 'share', 'jupyter', 'labextensions', 'jupyterlab-atelier');
  expect(fs.existsSync(shared)).toBe(true);
  const wheels = fs.readdirSync(WHEEL_DIR).filter(name => /^jupyterlab_atelier-.*\.whl$/.test(name));
  expect(wheels.length).toBe(1);
  execFileSync(path.join(BIN, 'python'), ['-m', 'pip', 'uninstall', '-y', '-q', 'jupyterlab-atelier'], {
    env,
    stdio: 'ignore'
  });
  try {
    expect(fs.existsSync(shared)).toBe(false);
    expect(fs.existsSync(path.join(BIN, 'atelier'))).toBe(false);
    expect(labextensions(env)).not.toContain('jupyterlab-atelier');
  } finally {
    execFileSync(
      path.join(BIN, 'python'),
      ['-m', 'pip', 'install', '-q', '--no-deps', '--disable-pip-version-check', path.join(WHEEL_DIR, wheels[0])],
      { env, stdio: 'ignore' }
    );
  }
  expect(fs.existsSync(shared)).toBe(true);
});
