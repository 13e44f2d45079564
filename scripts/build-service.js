#!/usr/bin/env node
/**
 * Bundles the service (server/src/cli.ts and everything it imports, npm dependencies included)
 * into one file for the Python package: jupyterlab_atelier/service/atelier.js, with its
 * resources beside it and a package.json that names its version. The wheel then needs no
 * node_modules; it runs on any Node.js 20 or newer.
 */
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'jupyterlab_atelier', 'service');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'server', 'src', 'cli.ts')],
    outfile: path.join(out, 'atelier.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    legalComments: 'linked',
    // Optional native speed-ups of `ws`; it works without them.
    external: ['bufferutil', 'utf-8-validate'],
    logLevel: 'warning'
  });
  fs.cpSync(path.join(root, 'server', 'resources'), path.join(out, 'resources'), { recursive: true });
  fs.writeFileSync(
    path.join(out, 'package.json'),
    `${JSON.stringify({ name: pkg.name, version: pkg.version, description: 'The Atelier service, bundled', license: pkg.license, private: true }, null, 2)}\n`
  );
}

main().catch(error => {
  process.stderr.write(`build-service: ${error.message}\n`);
  process.exit(1);
});
