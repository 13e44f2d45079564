#!/usr/bin/env node
/*
 * Gateway overhead, measured side by side in one run: the same requests go straight to the
 * Jupyter server (its private loopback port) and through the Atelier gateway, interleaved so
 * that machine noise hits both alike. Prints p50/p95 per path, the milliseconds the gateway
 * adds (gateway minus direct) and the ratios gateway/direct. Contents GETs also go through a
 * bare Node pipe in its own process (bench/lib/bare-pipe.js: no checks, nothing changed),
 * the floor of any second HTTP hop on the machine at hand, and the gateway is set beside it.
 *
 *   node bench/gateway.js [--rounds 400] [--gets 1000] [--profile DIR]
 *   node bench/gateway.js --quick      (10 round trips, 20 GETs, 3 warm-up: proves it runs)
 *
 * The gateway runs as users run it: its own process (`atelier lab`, server/lib/cli.js), so the
 * benchmark's client does not share its event loop. --profile DIR runs that process with
 * `node --cpu-prof` and leaves the profile (.cpuprofile, for Chrome DevTools) in DIR.
 *
 * Needs a build (scripts/setup.sh). Starts its own gateway and Jupyter server in a temporary
 * folder on loopback and stops them at the end.
 */
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');

const root = path.resolve(__dirname, '..');
const { requireTypeScript } = require('./lib/typescript');

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    gets: { type: 'string' },
    profile: { type: 'string' }
  }
});
const quick = values.quick;
const ROUNDS = Number(values.rounds ?? (quick ? 10 : 400));
const GETS = Number(values.gets ?? (quick ? 20 : 1000));
const WARMUP = quick ? 3 : 30;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), n: sorted.length };
}

/**
 * The time a process's threads spent on a CPU and waiting for one, in ms (Linux's schedstat);
 * null where there is no /proc.
 */
function cpuOf(pid) {
  try {
    let onCpu = 0;
    let waiting = 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ').map(Number);
      onCpu += run / 1e6;
      waiting += wait / 1e6;
    }
    return { onCpu, waiting };
  } catch {
    return null;
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url, headers) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http
      .get(url, { headers, agent }, res => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`${url}: ${res.statusCode}`));
          } else {
            resolve(Number(process.hrtime.bigint() - started) / 1e6);
          }
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** bench/lib/bare-pipe.js in front of `target`; resolves with its URL and a stop. */
async function startPipe(target) {
  const child = spawn(process.execPath, [path.join(__dirname, 'lib', 'bare-pipe.js'), target], {
    stdio: ['pipe', 'pipe', 'inherit']
  });
  child.stdin.on('error', () => undefined);
  const port = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', code => reject(new Error(`the bare pipe ended (${code})`)));
    child.stdout.once('data', chunk => resolve(Number(String(chunk).trim())));
  });
  const base = new URL(target);
  return {
    url: `http://127.0.0.1:${port}${base.pathname}`,
    pid: child.pid,
    stop: () => child.stdin.end()
  };
}

/** `atelier lab` in its own process; resolves once it prints its URL, with Jupyter's own URL. */
async function startGateway(dir, token) {
  const { freePort, VENV_BIN } = await requireTypeScript(path.join(root, 'server/test/support/lab.ts'));
  const port = await freePort();
  const dataDir = path.join(dir, 'data');
  const env = { ...process.env, PATH: `${VENV_BIN}:${process.env.PATH}`, ATELIER_TOKEN: token, HOME: dir };
  env.ATELIER_LOG_LEVEL = 'warn';
  delete env.ATELIER_CONFIG;
  const nodeArgs = values.profile
    ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${path.resolve(values.profile)}`]
    : [];
  const cli = path.join(root, 'server/lib/cli.js');
  const args = [...nodeArgs, cli, 'lab', '--port', String(port), '--workspace', path.join(dir, 'work')];
  const child = spawn(process.execPath, [...args, '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', chunk => (out += chunk));
  child.stderr.on('data', chunk => (err = (err + chunk).slice(-8000)));
  const exited = new Promise(resolve => child.once('exit', (code, signal) => resolve(signal ?? code)));
  child.on('error', e => (err += `\n${e.message}`));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    const started = Date.now();
    while (!out.includes('is running')) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > 180000) {
        throw new Error(`the gateway did not start:\n${out}\n${err}`);
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    // Jupyter's runtime file says where it listens.
    const runtime = path.join(dataDir, 'jupyter', 'runtime');
    const file = fs.readdirSync(runtime).find(name => /^jpserver-\d+\.json$/.test(name));
    const info = JSON.parse(fs.readFileSync(path.join(runtime, file), 'utf8'));
    return {
      pid: child.pid,
      jupyterPid: info.pid,
      gateway: `http://127.0.0.1:${port}/`,
      direct: `http://127.0.0.1:${info.port}${info.base_url}`,
      stop
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function main() {
  const { connect, execute, startKernel } = await requireTypeScript(path.join(root, 'server/test/support/kernel.ts'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-'));
  const workspace = path.join(dir, 'work');
  fs.mkdirSync(workspace);
  for (let i = 0; i < 20; i++) {
    fs.writeFileSync(path.join(workspace, `file-${i}.txt`), 'x'.repeat(1000));
  }
  const token = crypto.randomBytes(16).toString('hex');
  const headers = { Authorization: `token ${token}` };
  let atelier = null;
  let pipe = null;
  try {
    atelier = await startGateway(dir, token);
    const { gateway, direct } = atelier;
    pipe = await startPipe(direct);
    const kernel = await startKernel(gateway, headers);
    const wsDirect = await connect(`${direct.replace(/^http/, 'ws')}api/kernels/${kernel.id}/channels`, headers);
    const wsGateway = await connect(`${gateway.replace(/^http/, 'ws')}api/kernels/${kernel.id}/channels`, headers);

    // Wait for the kernel, then warm both paths.
    for (let i = 0; ; i++) {
      try {
        await execute(wsDirect, '1');
        break;
      } catch (e) {
        if (i > 5) {
          throw e;
        }
      }
    }
    for (let i = 0; i < WARMUP; i++) {
      await execute(wsDirect, '1+1');
      await execute(wsGateway, '1+1');
      await get(`${direct}api/contents`, headers);
      await get(`${gateway}api/contents`, headers);
      await get(`${pipe.url}api/contents`, headers);
    }

    const results = { kernel: { direct: [], gateway: [] }, contents: { direct: [], gateway: [], pipe: [] } };
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which path goes first so neither gets a systematic advantage.
      if (i % 2) {
        results.kernel.direct.push(await execute(wsDirect, '1+1'));
        results.kernel.gateway.push(await execute(wsGateway, '1+1'));
      } else {
        results.kernel.gateway.push(await execute(wsGateway, '1+1'));
        results.kernel.direct.push(await execute(wsDirect, '1+1'));
      }
    }
    const before = { gateway: cpuOf(atelier.pid), jupyter: cpuOf(atelier.jupyterPid), pipe: cpuOf(pipe.pid) };
    // The three paths in turn, each one first as often as the others.
    const paths = [
      ['direct', `${direct}api/contents`],
      ['gateway', `${gateway}api/contents`],
      ['pipe', `${pipe.url}api/contents`]
    ];
    for (let i = 0; i < GETS; i++) {
      for (let j = 0; j < paths.length; j++) {
        const [name, url] = paths[(i + j) % paths.length];
        results.contents[name].push(await get(url, headers));
      }
    }
    const after = { gateway: cpuOf(atelier.pid), jupyter: cpuOf(atelier.jupyterPid), pipe: cpuOf(pipe.pid) };
    wsDirect.close();
    wsGateway.close();

    const rows = [];
    for (const [name, label] of [
      ['kernel', `kernel execute round trip (1+1, ${ROUNDS} each)`],
      ['contents', `contents GET of a 20-file folder (${GETS} each)`]
    ]) {
      const d = summary(results[name].direct);
      const g = summary(results[name].gateway);
      rows.push({ label, d, g, add50: g.p50 - d.p50, add95: g.p95 - d.p95, p50: g.p50 / d.p50, p95: g.p95 / d.p95 });
    }
    const load = os.loadavg().map(l => l.toFixed(2));
    console.log(
      `Gateway (its own process) vs direct Jupyter (${os.cpus().length} CPUs, load ${load.join(' ')}, ${new Date().toISOString()})`
    );
    console.log(
      'workload                                         direct p50/p95 ms   gateway p50/p95 ms   added p50/p95 ms   ratio p50   ratio p95'
    );
    const pair = (a, b) => `${a.toFixed(2)} / ${b.toFixed(2)}`;
    for (const r of rows) {
      console.log(
        `${r.label.padEnd(48)} ${pair(r.d.p50, r.d.p95).padStart(18)}   ${pair(r.g.p50, r.g.p95).padStart(18)}   ${pair(r.add50, r.add95).padStart(16)}   ${r.p50.toFixed(3).padStart(9)}   ${r.p95.toFixed(3).padStart(9)}`
      );
    }
    {
      const d = summary(results.contents.direct);
      const g = summary(results.contents.gateway);
      const p = summary(results.contents.pipe);
      console.log(
        `${'contents GET through a bare Node pipe'.padEnd(48)} ${pair(d.p50, d.p95).padStart(18)}   ${pair(p.p50, p.p95).padStart(18)}   ${pair(p.p50 - d.p50, p.p95 - d.p95).padStart(16)}   ${(p.p50 / d.p50).toFixed(3).padStart(9)}   ${(p.p95 / d.p95).toFixed(3).padStart(9)}`
      );
      console.log(
        `the gateway beyond the bare pipe: ${(g.p50 - p.p50).toFixed(2)} / ${(g.p95 - p.p95).toFixed(2)} ms p50/p95 (what its checks and headers cost; the pipe's own added time is any second hop's)`
      );
    }
    if (before.gateway && after.gateway && before.jupyter && after.jupyter) {
      // Only the gateway's GETs reach the gateway; Jupyter answers both paths.
      const per = (who, count) =>
        `${((after[who].onCpu - before[who].onCpu) / count).toFixed(3)} ms on a CPU ` +
        `(and ${((after[who].waiting - before[who].waiting) / count).toFixed(3)} ms runnable, waiting for one)`;
      console.log(
        `per contents GET: the gateway process ${per('gateway', GETS)}; the bare pipe ${per('pipe', GETS)}; Jupyter ${per('jupyter', 3 * GETS)}`
      );
    }
  } finally {
    agent.destroy();
    pipe?.stop();
    await atelier?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
