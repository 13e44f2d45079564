#!/usr/bin/env bash
# Runs the whole test suite after installing and building what is missing: lint (Prettier,
# ESLint, stylelint), jest (front end, service units, integration with a real Jupyter server;
# the integration suites of the capabilities once more through jupyter-server-proxy in a plain
# jupyter lab) and Playwright (the real JupyterLab in Debian's Chromium: the gateway, the add-on, a JupyterHub),
# then every benchmark once in --quick mode.
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1
# The environment's JupyterLab (from PyPI) runs under every test, and its tools are on PATH.
export PATH="$(pwd)/.venv/bin:$PATH"

work="$(pwd)/.ci-work"
rm -rf "$work" && mkdir -p "$work"

echo "== lint: Prettier, ESLint, stylelint (npm run lint fixes what it can); docs/api.md and docs/configuration.md as the schemas say"
npm run --silent lint:check && node scripts/docs.js --check
lint_rc=$?

echo "== jest: front end, service, integration"
npx jest --ci --maxWorkers=2 --json --outputFile="$work/jest.json"
jest_rc=$?

echo "== jest: the capabilities' integration suites through jupyter-server-proxy (plain jupyter lab + the wheel)"
ATELIER_TEST_VIA=proxy npx jest --ci --maxWorkers=2 --json --outputFile="$work/jest-proxy.json" \
  --selectProjects integration --testPathPattern '/(storage|storage-safety|transfers|uploads|jobs|jobs-restart|jobs-slurm|openapi)\.test\.ts$'
proxy_rc=$?

echo "== playwright: JupyterLab in Chromium"
(cd ui-tests && PLAYWRIGHT_JSON_OUTPUT_NAME="$work/playwright.json" npx playwright test --reporter=list,json)
pw_rc=$?

echo "== benchmarks: each once in --quick mode (proves they run from a clean clone; no timing is asserted)"
node bench/quick.js
bench_rc=$?

node -e '
const fs = require("fs");
const read = f => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return null; } };
const [jest, proxy] = [read(process.argv[1]), read(process.argv[4])];
const pw = read(process.argv[2]);
let passed = 0, failed = 0, skipped = 0;
for (const run of [jest, proxy]) {
  if (run) { passed += run.numPassedTests; failed += run.numFailedTests + (run.numRuntimeErrorTestSuites || 0); skipped += run.numPendingTests; }
  else { failed += 1; }
}
if (pw) { passed += pw.stats.expected + (pw.stats.flaky || 0); failed += pw.stats.unexpected; skipped += pw.stats.skipped; }
else { failed += 1; }
for (const rc of [process.argv[3], process.argv[5]]) { if (rc === "0") { passed += 1; } else { failed += 1; } }
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$work/jest.json" "$work/playwright.json" "$bench_rc" "$work/jest-proxy.json" "$lint_rc"

[ "$lint_rc" = 0 ] && [ "$jest_rc" = 0 ] && [ "$proxy_rc" = 0 ] && [ "$pw_rc" = 0 ] && [ "$bench_rc" = 0 ]
