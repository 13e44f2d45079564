#!/usr/bin/env node
/*
 * Gateway overhead, measured side by side in one run: the same requests go straight to the
 * Jupyter server (its private loopback port) and through the Atelier gateway, interleaved so
 * that machine noise hits both alike. Prints p50/p95 per path and the ratios gateway/direct.
 *
 *   node bench/gateway.js [--rounds 400] [--gets 1000]
 *   node bench/gateway.js --quick      (10 round trips, 20 GETs, 3 warm-up: proves it runs)
 *
 * Needs a build (scripts/setup.sh). Starts its own gateway and Jupyter server in a temporary
 * folder on loopback and stops them at the end.
 */
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');

const root = path.resolve(__dirname, '..');
const { requireTypeScript } = require('./lib/typescript');
/** The tests' way of starting Atelier (server/test/support/atelier.ts), on the compiled service. */
const support = () => requireTypeScript(path.join(root, 'server/test/support/atelier.ts'));

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' }, gets: { type: 'string' } }
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
      })
      .on('error', reject);
  });
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
  const atelier = await (await support()).startGateway({}, {}, { root: dir, token });
  const { service } = atelier;
  const headers = { Authorization: `token ${token}` };
  const gateway = service.url;
  const direct = `${service.jupyter.target}${service.config.baseUrl}`;
  try {
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
    }

    const results = { kernel: { direct: [], gateway: [] }, contents: { direct: [], gateway: [] } };
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
    for (let i = 0; i < GETS; i++) {
      if (i % 2) {
        results.contents.direct.push(await get(`${direct}api/contents`, headers));
        results.contents.gateway.push(await get(`${gateway}api/contents`, headers));
      } else {
        results.contents.gateway.push(await get(`${gateway}api/contents`, headers));
        results.contents.direct.push(await get(`${direct}api/contents`, headers));
      }
    }
    wsDirect.close();
    wsGateway.close();

    const rows = [];
    for (const [name, label] of [
      ['kernel', `kernel execute round trip (1+1, ${ROUNDS} each)`],
      ['contents', `contents GET of a 20-file folder (${GETS} each)`]
    ]) {
      const d = summary(results[name].direct);
      const g = summary(results[name].gateway);
      rows.push({ label, d, g, p50: g.p50 / d.p50, p95: g.p95 / d.p95 });
    }
    console.log(`Gateway vs direct Jupyter (${os.cpus().length} CPUs, ${new Date().toISOString()})`);
    console.log(
      'workload                                         direct p50/p95 ms   gateway p50/p95 ms   ratio p50   ratio p95'
    );
    for (const r of rows) {
      console.log(
        `${r.label.padEnd(48)} ${`${r.d.p50.toFixed(2)} / ${r.d.p95.toFixed(2)}`.padStart(18)}   ${`${r.g.p50.toFixed(2)} / ${r.g.p95.toFixed(2)}`.padStart(18)}   ${r.p50.toFixed(3).padStart(9)}   ${r.p95.toFixed(3).padStart(9)}`
      );
    }
  } finally {
    agent.destroy();
    await atelier.close();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
