/**
 * A real S3-compatible server (npm s3rver, filesystem-backed) on a free loopback port, in
 * its own process (it needs Node's legacy OpenSSL provider for continuation tokens).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

export interface IS3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
  /** What the server printed (its errors, where it had any). */
  output(): string;
  exited(): boolean;
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
    child.stderr!.on('data', chunk => (output = (output + chunk).slice(-20000)));
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
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () =>
      new Promise<void>(resolve => {
        child.removeAllListeners('exit');
        const done = () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) {
          done(); // it is gone already
          return;
        }
        child.once('exit', done);
        child.kill('SIGTERM');
      })
  };
}

/**
 * Forwards to an S3 server but damages data on the way, as a faulty network or server would:
 * one byte flipped in every PUT body (`put`), or in every object a GET reads (`get`); or the
 * connection of the first `cut` object GETs dropped halfway through their body. `slowParts`
 * holds every part upload for that many milliseconds, telling `onPart` of each as it arrives.
 */
export function startCorruptingProxy(
  target: string,
  damage: { put?: boolean; get?: boolean; cut?: number; slowParts?: number; onPart?: () => void }
): Promise<http.Server> {
  let cuts = damage.cut ?? 0;
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (damage.put && req.method === 'PUT' && body.length > 0) {
        body[Math.floor(body.length / 2)] ^= 0xff;
      }
      const part = req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '');
      if (part) {
        damage.onPart?.();
      }
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        answer => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          const object = answer.headers.etag !== undefined && (answer.statusCode === 200 || answer.statusCode === 206);
          if (cuts > 0 && req.method === 'GET' && object) {
            cuts -= 1;
            const half = Number(answer.headers['content-length'] ?? 0) / 2;
            let sent = 0;
            answer.on('data', (chunk: Buffer) => {
              if (sent < half) {
                res.write(chunk);
                sent += chunk.length;
              } else {
                answer.destroy();
                res.socket?.destroy();
              }
            });
            return;
          }
          if (!(damage.get && req.method === 'GET' && object)) {
            answer.pipe(res);
            return;
          }
          let first = true;
          answer.on('data', (chunk: Buffer) => {
            if (first && chunk.length > 0) {
              chunk = Buffer.from(chunk);
              chunk[0] ^= 0xff;
              first = false;
            }
            res.write(chunk);
          });
          answer.on('end', () => res.end());
        }
      );
      forward.on('error', () => res.destroy());
      if (part && damage.slowParts) {
        setTimeout(() => forward.end(body), damage.slowParts);
      } else {
        forward.end(body);
      }
    });
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Debian's awscli against the server, its JSON answer parsed; null where awscli is missing. */
export function awscli(server: IS3Server, args: string[]): any {
  try {
    const aws = fs.existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
    const out = execFileSync(aws, ['--endpoint-url', server.endpoint, ...args], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: server.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1'
      },
      encoding: 'utf8'
    });
    return out.trim() ? JSON.parse(out) : {};
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw e;
  }
}
