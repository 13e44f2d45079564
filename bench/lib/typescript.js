/**
 * Loads a TypeScript module of the tests' support (server/test/support: how to start Atelier,
 * a plain JupyterLab, Slurm, a kernel) into a benchmark: esbuild bundles it for Node into a
 * temporary file, which is then required. The service's own modules (server/src) are not
 * bundled: they resolve to the compiled service (server/lib), so a benchmark measures exactly
 * what `npm run build` made.
 */
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const SERVER_SRC = path.resolve(__dirname, '..', '..', 'server', 'src');
const SERVER_LIB = path.resolve(__dirname, '..', '..', 'server', 'lib');

const compiledService = {
  name: 'compiled-service',
  setup(build) {
    build.onResolve({ filter: /\/src\// }, args => {
      const file = path.resolve(args.resolveDir, args.path);
      if (!file.startsWith(`${SERVER_SRC}${path.sep}`)) {
        return undefined;
      }
      return { path: `${path.join(SERVER_LIB, path.relative(SERVER_SRC, file))}.js`, external: true };
    });
  }
};

/** Resolves to the module's exports. */
async function requireTypeScript(file) {
  // Inside the repository, so that the bundle's require() of npm packages finds node_modules.
  const cache = path.join(__dirname, '..', '..', 'node_modules', '.cache');
  fs.mkdirSync(cache, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cache, 'atelier-bench-ts-'));
  const out = path.join(dir, `${path.basename(file, '.ts')}.js`);
  try {
    await esbuild.build({
      entryPoints: [file],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: out,
      logLevel: 'error',
      packages: 'external',
      // The support modules find the repository from their own folder, not the bundle's.
      define: { __dirname: JSON.stringify(path.dirname(path.resolve(file))) },
      plugins: [compiledService]
    });
    return require(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { requireTypeScript };
