#!/usr/bin/env node
/*
 * Flavor switching, measured side by side in one run: the time from the confirmed switch
 * (POST flavors/switch) until a new kernel executes code, vs a plain stop + start of the same
 * Jupyter server (POST jupyter/restart, no change of limits) until a new kernel executes
 * code. Rounds alternate between the two; the switch goes back and forth between two flavors.
 *
 *   node bench/flavors.js [--rounds 6]
 *   node bench/flavors.js --quick      (one round of each: proves it runs)
 *
 * Needs a build (scripts/setup.sh). Starts its own gateway and Jupyter server in a temporary
 * folder on loopback and stops them at the end.
 */
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');
const { call, median } = require('./lib/http');

const root = path.resolve(__dirname, '..');
const { requireTypeScript } = require('./lib/typescript');
/** The tests' way of starting Atelier (server/test/support/atelier.ts), on the compiled service. */
const support = () => requireTypeScript(path.join(root, 'server/test/support/atelier.ts'));

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? (values.quick ? 1 : 6));

async function until(check) {
  for (;;) {
    if (await check()) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

async function main() {
  const { kernelReady } = await requireTypeScript(path.join(root, 'server/test/support/kernel.ts'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-flavors-'));
  const workspace = path.join(dir, 'work');
  fs.mkdirSync(workspace);
  const cpus = os.cpus().length;
  const memory = Math.floor(os.totalmem() / 1024 / 1024 / 2);
  const catalog = [
    { id: 'a', name: 'A', cpus: 1, memoryMiB: Math.min(memory, 2048) },
    { id: 'b', name: 'B', cpus: Math.max(1, cpus), memoryMiB: memory }
  ];
  const token = crypto.randomBytes(16).toString('hex');
  const atelier = await (
    await support()
  ).startGateway({ 'flavors.catalog': catalog, 'flavors.default': 'b' }, {}, { root: dir, token });
  const headers = { Authorization: `token ${token}` };
  const base = atelier.url;
  const api = `${base}atelier/api/v1/`;
  const switched = [];
  const restarted = [];
  try {
    await kernelReady(base, headers); // warm: the page cache, the kernel's first start
    let next = 'a';
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 ? ['restart', 'switch'] : ['switch', 'restart'];
      for (const what of order) {
        const t0 = Date.now();
        if (what === 'switch') {
          const res = await call('POST', `${api}flavors/switch`, headers, { flavorId: next });
          if (res.status !== 202) {
            throw new Error(`switch answered ${res.status} ${JSON.stringify(res.json)}`);
          }
          await until(async () => (await call('GET', `${api}flavors/switch`, headers)).json?.state !== 'running');
          const record = (await call('GET', `${api}flavors/switch`, headers)).json;
          if (record.state !== 'completed') {
            throw new Error(`the switch failed: ${record.error}`);
          }
          next = next === 'a' ? 'b' : 'a';
        } else {
          const before = (await call('GET', `${api}jupyter`, headers)).json.startedAt;
          await call('POST', `${api}jupyter/restart`, headers);
          await until(async () => {
            const info = (await call('GET', `${api}jupyter`, headers).catch(() => ({ json: {} }))).json;
            return info.state === 'running' && info.startedAt !== before;
          });
        }
        await kernelReady(base, headers);
        (what === 'switch' ? switched : restarted).push(Date.now() - t0);
      }
    }
  } finally {
    await atelier.close();
  }
  const s = median(switched);
  const r = median(restarted);
  console.log(
    `\nFlavor switch vs plain restart (${cpus} CPUs; medians of ${ROUNDS} rounds each; until a new kernel executes code)\n`
  );
  console.log(`switch (confirm → kernel ready)      ${s.toFixed(0).padStart(6)} ms   [${switched.join(', ')}]`);
  console.log(`stop + start of the Jupyter server   ${r.toFixed(0).padStart(6)} ms   [${restarted.join(', ')}]`);
  console.log(`ratio ${(s / r).toFixed(2)} (goal ≤ 1.2)`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
