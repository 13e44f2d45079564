/**
 * The README's start command on a built checkout: it builds nothing ("up to date"), and the URL
 * it prints answers at once (it is printed only once JupyterLab answers). How long that takes
 * is a benchmark's business; here the order is checked.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { request } from '../support/atelier';
import { freePort, REPO } from '../support/lab';

it('starts a built checkout without building, and prints a URL that answers', async () => {
  // A built checkout: whatever changed since the last build is built first (nothing, in CI).
  execFileSync('bash', [path.join(REPO, 'scripts', 'setup.sh')], { stdio: 'ignore', timeout: 600000 });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-start-'));
  fs.mkdirSync(path.join(root, 'work'));
  const port = await freePort();
  const child = spawn(
    'bash',
    [
      path.join(REPO, 'scripts', 'start.sh'),
      '--port',
      String(port),
      '--workspace',
      path.join(root, 'work'),
      '--data-dir',
      path.join(root, 'data')
    ],
    { env: { ...process.env, ATELIER_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let out = '';
  child.stdout!.on('data', chunk => (out += chunk));
  child.stderr!.on('data', chunk => (out += chunk));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 120000);
      child.stdout!.on('data', () => {
        const match = /(http:\/\/127\.0\.0\.1:\d+\/lab\?token=\w+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', code => reject(new Error(`start.sh exited with ${code}:\n${out}`)));
    });
    expect(out).toContain('atelier: up to date (nothing changed since the last build)');
    expect(out).not.toContain('atelier: building');
    // The URL answers as soon as it is printed: the page, with the token.
    const page = await request(url, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('jupyter-config-data');
  } finally {
    const gone = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
    fs.rmSync(root, { recursive: true, force: true });
  }
});
