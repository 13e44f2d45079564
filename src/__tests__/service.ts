/**
 * Starts the real Atelier service (compiled, `atelier serve`) on a free loopback port for the
 * front end's tests, and stops it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface IRunningService {
  baseUrl: string;
  /** The service's workspace (a temporary folder, also its data folder). */
  workspace: string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** `prepare` may put state in the data folder before the service starts (e.g. a job history). */
export async function startService(prepare?: (dataDir: string) => Promise<unknown>): Promise<IRunningService> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-fe-'));
  await prepare?.(dataDir);
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, 'server', 'lib', 'cli.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--workspace', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ATELIER_LOG_LEVEL: 'warn' } }
  );
  let output = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`atelier serve did not start:\n${output}`)), 20000);
    child.stdout!.on('data', chunk => {
      output += chunk;
      const match = /listening on (http:\/\/\S+?)atelier\/api\/v1\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr!.on('data', chunk => (output += chunk));
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`atelier serve exited with ${code}:\n${output}`));
    });
  });
  return {
    baseUrl,
    workspace: dataDir,
    stop: () =>
      new Promise<void>(resolve => {
        child.removeAllListeners('exit');
        child.once('exit', () => {
          fs.rmSync(dataDir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      })
  };
}
