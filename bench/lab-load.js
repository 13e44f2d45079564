#!/usr/bin/env node
/*
 * What Atelier costs a JupyterLab page load, measured side by side in one run: the same plain
 * `jupyter lab` (with the wheel installed, from .venv) is loaded in Chromium with Atelier
 * enabled and disabled (`jupyter labextension disable jupyterlab-atelier`), alternating, each
 * load in a fresh browser context (no cache). A load lasts until JupyterLab has restored its
 * layout (`app.restored`). Prints the medians and the ratio enabled/disabled (goal: at most 1.05).
 *
 *   node bench/lab-load.js [--rounds 10]
 *   node bench/lab-load.js --quick      (one load of each: proves it runs)
 *
 * Needs scripts/setup.sh (the wheel in .venv) and Debian's Chromium.
 */
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');
const { chromium } = require('@playwright/test');
const { median } = require('./lib/http');
const { requireTypeScript } = require('./lib/typescript');

const root = path.resolve(__dirname, '..');
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? (values.quick ? 1 : 10));
const GOAL = 1.05;
const CHROMIUM = require('../ui-tests/chromium');

async function main() {
  // The tests' way of starting plain `jupyter lab` (server/test/support/lab.ts).
  const { startLab, VENV_BIN } = await requireTypeScript(path.join(root, 'server/test/support/lab.ts'));
  const jupyter = path.join(VENV_BIN, 'jupyter');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-lab-'));
  fs.mkdirSync(path.join(dir, 'work'));
  const token = crypto.randomBytes(16).toString('hex');
  let server;
  const browser = await chromium.launch(CHROMIUM);
  try {
    server = await startLab({
      root: dir,
      workspace: path.join(dir, 'work'),
      token,
      args: ['--LabApp.expose_app_in_browser=True'],
      env: { ATELIER_LOG_LEVEL: 'warn' }
    });
    const { env } = server;
    const base = server.url;
    const setEnabled = enabled =>
      execFileSync(jupyter, ['labextension', enabled ? 'enable' : 'disable', 'jupyterlab-atelier'], {
        env,
        stdio: 'ignore'
      });

    /** One cold load; returns ms from navigation start to a restored layout, and whether Atelier was there. */
    async function load() {
      const context = await browser.newContext({ extraHTTPHeaders: { Authorization: `token ${token}` } });
      const page = await context.newPage();
      try {
        await page.goto(`${base}lab`, { waitUntil: 'commit' });
        await page.waitForFunction(() => window.jupyterapp !== undefined, null, { timeout: 120000 });
        const ms = await page.evaluate(async () => {
          await window.jupyterapp.restored;
          return performance.now();
        });
        const atelier = await page.evaluate(() => window.jupyterapp.hasPlugin('jupyterlab-atelier:client'));
        return { ms, atelier };
      } finally {
        await context.close();
      }
    }

    const times = { enabled: [], disabled: [] };
    // One warm-up load of each (server-side caches, Chromium's own start), not counted.
    for (const enabled of [true, false]) {
      setEnabled(enabled);
      await load();
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so that drift hits both alike.
      const order = round % 2 === 0 ? [true, false] : [false, true];
      for (const enabled of order) {
        setEnabled(enabled);
        const { ms, atelier } = await load();
        if (atelier !== enabled) {
          throw new Error(
            `Atelier was ${atelier ? 'loaded' : 'missing'} in a load with it ${enabled ? 'enabled' : 'disabled'}`
          );
        }
        times[enabled ? 'enabled' : 'disabled'].push(ms);
      }
    }
    setEnabled(true);
    const on = median(times.enabled);
    const off = median(times.disabled);
    console.log(
      `JupyterLab page load until the layout is restored, medians of ${ROUNDS} cold loads each (fresh context, alternating):`
    );
    console.log(`  Atelier disabled   ${off.toFixed(0)} ms   [${times.disabled.map(t => t.toFixed(0)).join(', ')}]`);
    console.log(`  Atelier enabled    ${on.toFixed(0)} ms   [${times.enabled.map(t => t.toFixed(0)).join(', ')}]`);
    console.log(
      `  ratio enabled/disabled: ${(on / off).toFixed(3)} (goal ≤ ${GOAL})${values.quick ? ' — a quick run is not a measurement' : ''}`
    );
  } finally {
    await browser.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(error => {
  console.error(`bench/lab-load.js: ${error.message}`);
  process.exit(1);
});
