/**
 * A real S3-compatible server (npm s3rver, filesystem-backed) on a free loopback port, in
 * its own process (it needs Node's legacy OpenSSL provider for continuation tokens).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface IS3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
  stop(): Promise<void>;
}

const SCRIPT = `
const S3rver = require('s3rver');
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[1], configureBuckets: (process.argv[2] || '').split(',').filter(Boolean).map(name => ({ name })) });
server.run().then(({ port }) => console.log('S3RVER_PORT=' + port));
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000).unref();
`;

export async function startS3rver(buckets: string[] = []): Promise<IS3Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['-e', SCRIPT, dir, buckets.join(',')], {
    cwd: path.resolve(__dirname, '..', '..', '..'),
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${output}`)), 20000);
    child.stdout!.on('data', chunk => {
      output += chunk;
      const match = /S3RVER_PORT=(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr!.on('data', chunk => (output += chunk));
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (${code}): ${output}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    dir,
    stop: () =>
      new Promise<void>(resolve => {
        child.removeAllListeners('exit');
        child.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      })
  };
}
