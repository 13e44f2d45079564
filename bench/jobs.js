#!/usr/bin/env node
/*
 * Training jobs, measured side by side in one run:
 *  - submission → running: the time from the request until the program's first line runs
 *    (the program records its own clock), Atelier's local executor vs spawning the same
 *    command bare; and, where Slurm can run (root), Atelier's Slurm executor vs plain sbatch;
 *  - log streaming: lines per second a client receives from the log stream, vs the lines per
 *    second the program wrote.
 *
 *  - a long history (--history N): N finished records (generated), the service's start, first
 *    page and memory, opening the sidebar in Chromium, and what the idle page fetches
 *    (bench/lib/history.js).
 *
 *   node bench/jobs.js [--rounds 30] [--slurm-rounds 8] [--lines 1000000] [--no-slurm]
 *   node bench/jobs.js --history 100000 [--idle-seconds 60]   (the history run only)
 *   node bench/jobs.js --quick      (one round each, 10,000 lines, a history of 500: proves it runs)
 *
 * Needs a build (scripts/setup.sh). Starts `atelier serve` (and Slurm) in temporary folders on
 * loopback and stops them at the end. Rounds alternate between the peers so noise hits both.
 */
const { execFile, spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');

const root = path.resolve(__dirname, '..');
const { requireTypeScript } = require('./lib/typescript');
const { json, median, serverEvents } = require('./lib/http');

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'slurm-rounds': { type: 'string' },
    lines: { type: 'string' },
    'no-slurm': { type: 'boolean', default: false },
    history: { type: 'string' },
    'idle-seconds': { type: 'string' }
  }
});
const quick = values.quick;
const ROUNDS = Number(values.rounds ?? (quick ? 1 : 30));
const SLURM_ROUNDS = Number(values['slurm-rounds'] ?? (quick ? 1 : 8));
const LINES = Number(values.lines ?? (quick ? 10000 : 1000000));
const PYTHON = '/usr/bin/python3';

/** The program: records when its first line runs (epoch ms), then ends. */
const START_PROGRAM = marker => [
  PYTHON,
  '-c',
  `import time; open(${JSON.stringify(marker)}, "w").write(repr(time.time() * 1000))`
];

async function waitForFile(file, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (text) {
        return Number(text);
      }
    } catch {
      // not yet
    }
    await new Promise(resolve => setTimeout(resolve, 2));
  }
  throw new Error(`${file} never appeared`);
}

const FINISHED = ['Completed', 'Failed', 'Stopped'];

/**
 * The service's jobs event stream (`jobs/events`), as the front end follows it: `ended(id)`
 * resolves when the stream says the job finished (at once if it said so already).
 */
function jobEvents(api) {
  const finished = new Set();
  const waiting = new Map();
  let failure = null;
  const req = http.get(`${api}jobs/events`, { headers: { Accept: 'text/event-stream' } });
  const opened = new Promise((resolve, reject) => {
    const fail = e => {
      failure = e;
      reject(e);
      for (const w of waiting.values()) {
        w.reject(e);
      }
    };
    req.on('error', fail);
    req.on('response', res => {
      if (res.statusCode !== 200) {
        fail(new Error(`jobs/events: ${res.statusCode}`));
        res.resume();
        return;
      }
      resolve();
      serverEvents(res, (event, data) => {
        const job = event === 'job' ? JSON.parse(data) : null;
        if (job && FINISHED.includes(job.status.phase)) {
          finished.add(job.id);
          waiting.get(job.id)?.resolve(job);
          waiting.delete(job.id);
        }
      });
      res.on('error', fail);
    });
  });
  return {
    opened,
    ended(id) {
      if (failure) {
        return Promise.reject(failure);
      }
      return finished.has(id)
        ? Promise.resolve()
        : new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    close: () => req.destroy()
  };
}

/** The sidecar as the tests start it (server/test/support/atelier.ts), on the compiled service. */
async function startService(dir, overrides) {
  const { startSidecar } = await requireTypeScript(path.join(root, 'server/test/support/atelier.ts'));
  fs.mkdirSync(dir, { recursive: true });
  return startSidecar(
    { 'jobs.python': PYTHON, 'jobs.catalog': [{ id: 'one', cpus: 1, memoryMiB: 1024 }], ...overrides },
    {},
    { root: dir }
  );
}

const quote = s => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * One job through Atelier: ms from the request until the program's first line ran (`started`)
 * and until the service reported the job finished on its event stream (`ended`).
 */
async function submitLatency(api, events, dir, i, extra = {}) {
  const marker = path.join(dir, `atelier-${i}.ms`);
  const t0 = Date.now();
  const job = await json('POST', `${api}jobs`, {
    name: `lat-${i}`,
    command: START_PROGRAM(marker).map(quote).join(' '),
    flavorId: 'one',
    ...extra
  });
  const started = await waitForFile(marker);
  await events.ended(job.id);
  return { started: started - t0, ended: Date.now() - t0 };
}

/** The same program spawned bare: ms until its first line ran (`started`) and until it exited (`ended`). */
function bareLatency(dir, i) {
  const marker = path.join(dir, `bare-${i}.ms`);
  const [cmd, ...args] = START_PROGRAM(marker);
  const t0 = Date.now();
  const child = spawn(cmd, args, { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', async () => {
      const ended = Date.now() - t0;
      resolve({ started: (await waitForFile(marker)) - t0, ended });
    });
  });
}

function sbatchLatency(slurm, dir, i) {
  const marker = path.join(dir, `sbatch-${i}.ms`);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      'sbatch',
      [
        '--parsable',
        '--nodes=1',
        '--cpus-per-task=1',
        '--mem=1024M',
        `--output=${path.join(dir, `sbatch-${i}.out`)}`,
        '--wrap',
        START_PROGRAM(marker).map(quote).join(' ')
      ],
      { env: { ...process.env, ...slurm.env } },
      async error => (error ? reject(error) : resolve((await waitForFile(marker)) - t0))
    );
  });
}

/**
 * Waits until Slurm has no job left: a latency round ends when the program's first line runs,
 * and a job still finishing when the daemons stop leaves its slurmstepd behind.
 */
async function slurmDrained(slurm, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const queue = await new Promise(resolve =>
      execFile('squeue', ['--noheader', '--format=%i'], { env: { ...process.env, ...slurm.env } }, (error, stdout) =>
        resolve(error ? null : stdout.trim())
      )
    );
    if (queue === '') {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  console.error(`Slurm still had jobs after ${timeoutMs / 1000} s; stopping it anyway`);
}

/** Reads the log stream until it ends; counts the lines received. */
function streamLines(api, id) {
  return new Promise((resolve, reject) => {
    let lines = 0;
    let first = 0;
    http
      .get(`${api}jobs/${id}/logs/stream`, res => {
        serverEvents(res, (event, data) => {
          if (event === 'log') {
            first = first || Date.now();
            lines += (JSON.parse(data).text.match(/\n/g) || []).length;
          } else if (event === 'end') {
            res.destroy();
            resolve({ lines, seconds: (Date.now() - first) / 1000 });
          }
        });
      })
      .on('error', reject);
  });
}

async function history(count, idleSeconds) {
  const { historyRun, historyReport } = require('./lib/history');
  const r = await historyRun({ root, count, idleSeconds, log: line => console.log(line) });
  return historyReport(r, idleSeconds);
}

async function main() {
  if (values.history) {
    const lines = await history(Number(values.history), Number(values['idle-seconds'] ?? 60));
    console.log(`\nTraining jobs (${os.cpus().length} CPUs)\n\n${lines.join('\n')}`);
    return;
  }
  const { slurmUnavailable, startSlurm } = await requireTypeScript(path.join(root, 'server/test/support/slurm.ts'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-jobs-'));
  const results = [];
  let local;
  let slurm = null;
  let viaSlurm = null;
  const streams = [];
  try {
    local = await startService(path.join(dir, 'local'), {});
    const localEvents = jobEvents(local.api);
    streams.push(localEvents);
    await localEvents.opened;
    // Warm-up: page cache, Python's first start.
    await submitLatency(local.api, localEvents, dir, 'warm');
    await bareLatency(dir, 'warm');
    const atelier = [];
    const bare = [];
    const completed = [];
    const exited = [];
    for (let i = 0; i < ROUNDS; i++) {
      const viaAtelier = await submitLatency(local.api, localEvents, dir, i);
      atelier.push(viaAtelier.started);
      completed.push(viaAtelier.ended);
      const spawned = await bareLatency(dir, i);
      bare.push(spawned.started);
      exited.push(spawned.ended);
    }
    results.push({
      what: 'submit → running, local',
      atelier: median(atelier),
      peer: median(bare),
      peerName: 'bare spawn',
      goal: 1.5
    });
    results.push({
      what: 'submit → reported ended, local',
      atelier: median(completed),
      peer: median(exited),
      peerName: 'bare exit',
      goal: 2
    });

    // Log streaming: the program writes LINES lines as fast as it can and notes how long that took.
    const timing = path.join(dir, 'write.s');
    const writer = `import sys, time\nt = time.time()\nw = sys.stdout.write\nfor i in range(${LINES}):\n    w("step %d loss 0.123456 accuracy 0.987654 lr 0.001\\n" % i)\nsys.stdout.flush()\nopen(${JSON.stringify(timing)}, "w").write(repr(time.time() - t))\n`;
    fs.writeFileSync(path.join(local.workspace, 'writer.py'), writer);
    const job = await json('POST', `${local.api}jobs`, { name: 'log-rate', bootFile: 'writer.py', flavorId: 'one' });
    const streamed = await streamLines(local.api, job.id);
    const wrote = Number(fs.readFileSync(timing, 'utf8'));
    results.push({
      what: `log stream, ${LINES} lines`,
      extra: `written ${(LINES / wrote).toFixed(0)} lines/s, delivered ${(streamed.lines / streamed.seconds).toFixed(0)} lines/s (first to last line received; ${streamed.lines} lines): ratio ${(streamed.lines / streamed.seconds / (LINES / wrote)).toFixed(2)}`,
      lines: streamed.lines
    });

    const why = values['no-slurm'] ? 'skipped (--no-slurm)' : slurmUnavailable();
    if (why) {
      results.push({ what: 'submit → running, Slurm', extra: `not measured: ${why}` });
    } else {
      slurm = await startSlurm();
      viaSlurm = await startService(path.join(dir, 'slurm'), {
        'jobs.executor': 'slurm',
        'jobs.slurm': { conf: slurm.conf }
      });
      const slurmEvents = jobEvents(viaSlurm.api);
      streams.push(slurmEvents);
      await slurmEvents.opened;
      await submitLatency(viaSlurm.api, slurmEvents, dir, 'swarm');
      await sbatchLatency(slurm, dir, 'warm');
      const a = [];
      const s = [];
      for (let i = 0; i < SLURM_ROUNDS; i++) {
        a.push((await submitLatency(viaSlurm.api, slurmEvents, dir, `s${i}`)).started);
        s.push(await sbatchLatency(slurm, dir, i));
      }
      results.push({
        what: 'submit → running, Slurm',
        atelier: median(a),
        peer: median(s),
        peerName: 'sbatch',
        goal: 1.2
      });
      await slurmDrained(slurm);
    }
    if (quick) {
      results.push(...(await history(500, 3)).map(extra => ({ what: '', extra })));
    }
  } finally {
    for (const events of streams) {
      events.close();
    }
    await viaSlurm?.close(true);
    await local?.close(true);
    await slurm?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `\nTraining jobs (${os.cpus().length} CPUs; medians of ${ROUNDS} local / ${SLURM_ROUNDS} Slurm rounds)\n`
  );
  for (const r of results) {
    if (r.atelier !== undefined) {
      const ratio = r.atelier / r.peer;
      console.log(
        `${r.what.padEnd(31)} Atelier ${r.atelier.toFixed(1).padStart(7)} ms   ${r.peerName} ${r.peer.toFixed(1).padStart(7)} ms   ratio ${ratio.toFixed(2)}  (goal ≤ ${r.goal})`
      );
    } else {
      console.log(r.what ? `${r.what.padEnd(31)} ${r.extra}` : r.extra);
    }
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
