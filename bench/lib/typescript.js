/**
 * Loads a TypeScript module of the tests (e.g. the Slurm test cluster) into a benchmark:
 * esbuild bundles it for Node into a temporary file, which is then required.
 */
const esbuild = require('esbuild');
const fs = require('fs');
const os = require('os');
const path = require('path');

function requireTypeScript(file) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-ts-'));
  const out = path.join(dir, `${path.basename(file, '.ts')}.js`);
  try {
    esbuild.buildSync({
      entryPoints: [file],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: out,
      logLevel: 'error',
      packages: 'external'
    });
    return require(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { requireTypeScript };
