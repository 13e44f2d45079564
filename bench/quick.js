#!/usr/bin/env node
/*
 * Runs every benchmark once with --quick, one after another (they share the machine's cores),
 * showing each one's output; ends with one line and exits non-zero if any benchmark did. It
 * proves the benchmarks run; the numbers of a quick run are not measurements.
 *
 *   node bench/quick.js
 *
 * Needs a build (scripts/setup.sh).
 */
const { spawn } = require('child_process');
const path = require('path');

const BENCHMARKS = ['gateway', 'flavors', 'jobs', 'storage', 'lab-load'];

function run(name) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [path.join(__dirname, `${name}.js`), '--quick'], { stdio: 'inherit' });
    child.on('error', error => {
      console.error(`bench/${name}.js: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(signal ? `signal ${signal}` : code));
  });
}

async function main() {
  const started = Date.now();
  const failed = [];
  for (const name of BENCHMARKS) {
    console.log(`\n=== node bench/${name}.js --quick`);
    const t0 = Date.now();
    const status = await run(name);
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    if (status === 0) {
      console.log(`=== bench/${name}.js: ok (${seconds} s)`);
    } else {
      console.log(`=== bench/${name}.js: FAILED, exit ${status} (${seconds} s)`);
      failed.push(name);
    }
  }
  const total = ((Date.now() - started) / 1000).toFixed(1);
  const passed = BENCHMARKS.length - failed.length;
  console.log(
    `\nbench/quick: ${passed} passed, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''} in ${total} s`
  );
  process.exitCode = failed.length ? 1 : 0;
}

main();
