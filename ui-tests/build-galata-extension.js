/*
 * Builds galata's in-page helpers (@jupyterlab/galata/lib/extension) as a prebuilt (federated)
 * extension for the Lab the browser tests drive: the JupyterLab Python package ships it
 * prebuilt, the bundled Lab has to build it. Output: ui-tests/build/labextensions/.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const galata = path.dirname(require.resolve('@jupyterlab/galata/package.json'));
const galataPkg = require('@jupyterlab/galata/package.json');
const src = path.join(__dirname, 'build', 'galata-extension');
fs.rmSync(src, { recursive: true, force: true });
fs.mkdirSync(src, { recursive: true });

const entry = path.join(galata, 'lib', 'extension', 'index.js');
fs.writeFileSync(
  path.join(src, 'package.json'),
  JSON.stringify(
    {
      name: '@jupyterlab/galata-extension',
      version: galataPkg.version,
      private: true,
      main: path.relative(src, entry),
      dependencies: Object.fromEntries(
        ['@jupyterlab/application', '@jupyterlab/apputils', '@jupyterlab/coreutils', '@jupyterlab/debugger',
          '@jupyterlab/docmanager', '@jupyterlab/nbformat', '@jupyterlab/notebook', '@jupyterlab/services',
          '@jupyterlab/settingregistry', '@lumino/coreutils'].map(name => [name, galataPkg.dependencies[name]])
      ),
      jupyterlab: {
        extension: true,
        outputDir: path.relative(src, path.join(__dirname, 'build', 'labextensions', '@jupyterlab', 'galata-extension'))
      }
    },
    null,
    2
  )
);
execFileSync(
  process.execPath,
  [
    path.join(root, 'node_modules', '@jupyter', 'builder', 'lib', 'build-labextension.js'),
    '--core-package-file',
    require.resolve('@jupyterlab/core-meta/core.package.json'),
    src
  ],
  { stdio: 'inherit', cwd: root }
);
