/**
 * What the storage benchmark needs besides its workloads: the peers found on this machine,
 * s3rver in a process of its own, a stopwatch that also reads s3rver's CPU time, and a few
 * calls of Atelier's API.
 */
const { execFileSync, spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const { readProc, TICKS_PER_SECOND } = require(path.join(root, 'server/lib/usage'));

function which(cmd) {
  for (const dir of ['/usr/bin', '/usr/local/bin']) {
    if (fs.existsSync(path.join(dir, cmd))) {
      return path.join(dir, cmd);
    }
  }
  return null;
}
const AWS = which('aws');
const RCLONE = which('rclone');
/** Why a peer is not measured, by tool name; the other tools run without it. */
const skipped = {};
if (!AWS) {
  skipped.awscli = 'aws is not in /usr/bin or /usr/local/bin (apt-get install -y awscli)';
}
if (!RCLONE) {
  skipped.rclone = 'rclone is not in /usr/bin or /usr/local/bin (apt-get install -y rclone)';
}

async function startS3rver(dir, bucket) {
  const script = `const S=require('s3rver');new S({port:0,address:'127.0.0.1',silent:true,directory:process.argv[1],configureBuckets:[{name:'${bucket}'}]}).run().then(({port})=>console.log('PORT='+port));`;
  const child = spawn(process.execPath, ['-e', script, dir], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', 'pipe', 'inherit']
  });
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', d => {
      const m = /PORT=(\d+)/.exec(String(d));
      if (m) {
        resolve(Number(m[1]));
      }
    });
    child.once('exit', code => reject(new Error(`s3rver exited ${code}`)));
  });
  return { child, endpoint: `http://127.0.0.1:${port}` };
}

/** CPU seconds (user + system) a process has used so far, from the service's /proc reader. */
function cpuSeconds(pid) {
  return readProc(pid).cpu / TICKS_PER_SECOND;
}

/**
 * Times runs: `time(fn)` resolves to fn's wall seconds, and the server's CPU seconds meanwhile
 * go to `lastServerCpu` (set `serverPid` first). Dirty pages are written out before each run,
 * so that no tool pays for the previous one's writes.
 */
function stopwatch() {
  const clock = {
    serverPid: 0,
    lastServerCpu: 0,
    time(fn) {
      execFileSync('sync');
      const start = process.hrtime.bigint();
      const cpu0 = clock.serverPid ? cpuSeconds(clock.serverPid) : 0;
      return Promise.resolve(fn()).then(() => {
        clock.lastServerCpu = clock.serverPid ? cpuSeconds(clock.serverPid) - cpu0 : 0;
        return Number(process.hrtime.bigint() - start) / 1e9;
      });
    }
  };
  return clock;
}

/** One API call; a GET whose kept-alive connection the server closed meanwhile is sent again. */
function api(base, p, method = 'GET', body, retry = method === 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}atelier/api/v1/${p}`,
      { method, headers: body ? { 'Content-Type': 'application/json' } : {} },
      res => {
        let text = '';
        res.on('data', c => (text += c));
        res.on('end', () =>
          res.statusCode < 400
            ? resolve(text ? JSON.parse(text) : null)
            : reject(new Error(`${res.statusCode} ${text}`))
        );
      }
    );
    req.on('error', e =>
      retry && e.code === 'ECONNRESET' ? api(base, p, method, body, false).then(resolve, reject) : reject(e)
    );
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function atelierTransfer(base, request) {
  const created = await api(base, 'transfers', 'POST', { ...request, overwrite: true });
  for (;;) {
    const t = await api(base, `transfers/${created.id}`);
    if (t.state === 'completed') {
      return t;
    }
    if (t.state === 'failed' || t.state === 'stopped') {
      throw new Error(`${t.state}: ${t.error && t.error.message}`);
    }
    await new Promise(r => setTimeout(r, 20));
  }
}

function writeRandomFile(file, bytes) {
  const fd = fs.openSync(file, 'w');
  const chunk = 8 * 1024 * 1024;
  for (let done = 0; done < bytes; done += chunk) {
    fs.writeSync(fd, crypto.randomBytes(Math.min(chunk, bytes - done)));
  }
  fs.closeSync(fd);
}

function dirSize(dir) {
  let total = 0;
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      total += fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).size;
      count++;
    }
  }
  return { total, count };
}

module.exports = { AWS, RCLONE, skipped, startS3rver, stopwatch, api, atelierTransfer, writeRandomFile, dirSize };
