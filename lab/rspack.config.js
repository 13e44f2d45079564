/*
 * Builds the bundled JupyterLab: a module-federation host assembled from the official
 * @jupyterlab/* packages listed in @jupyterlab/core-meta's core.package.json. Prebuilt
 * (federated) extensions, Atelier's own among them, load into it at run time.
 *
 * Output (served by lab/atelier_lab.py): build/static (the page template and bundles),
 * build/schemas, build/themes, build/settings/page_config.json.
 */
const path = require('path');
const fs = require('fs-extra');
const Handlebars = require('handlebars');
const HtmlWebpackPlugin = require('html-webpack-plugin');
const rspack = require('@rspack/core');
const { merge } = require('webpack-merge');
const baseConfig = require('@jupyter/builder/lib/webpack.config.base');
const { Build } = require('@jupyter/builder');

const core = require('@jupyterlab/core-meta/core.package.json');
const jlab = core.jupyterlab;

/** Core extensions whose server side jupyter_server 1.x lacks; see README. */
const DISABLED = [
  '@jupyterlab/extensionmanager-extension',
  '@jupyterlab/pluginmanager-extension'
];

const buildDir = path.resolve(__dirname, 'build');
const staticDir = path.join(buildDir, 'static');
const entryDir = path.join(buildDir, 'entry');
fs.removeSync(buildDir);
fs.ensureDirSync(entryDir);

const extensionPackages = [
  ...new Set([
    ...Object.keys(jlab.extensions),
    ...Object.keys(jlab.mimeExtensions)
  ])
];

// Schemas, themes and the CSS import list of every core extension.
const themeConfigs = Build.ensureAssets({
  packageNames: extensionPackages,
  output: buildDir
});

// The entry module, with one require per core extension.
const template = Handlebars.compile(
  fs.readFileSync(path.join(__dirname, 'src', 'index.js.hbs'), 'utf8')
);
fs.writeFileSync(
  path.join(entryDir, 'index.js'),
  template({ extensions: jlab.extensions, mimeExtensions: jlab.mimeExtensions })
);
fs.copySync(path.join(buildDir, 'style.js'), path.join(entryDir, 'style.js'));
// The entry's CSS imports are side effects (the root package.json says otherwise for its own files).
fs.writeJSONSync(path.join(entryDir, 'package.json'), { private: true, sideEffects: true });
fs.copySync(
  path.join(__dirname, 'src', 'bootstrap.js'),
  path.join(entryDir, 'bootstrap.js')
);

// Page config read by jupyterlab_server from app_settings_dir.
fs.outputJSONSync(path.join(buildDir, 'settings', 'page_config.json'), {
  disabledExtensions: DISABLED
});
// Defaults for this machine: no news fetched from the internet.
fs.outputJSONSync(path.join(buildDir, 'settings', 'overrides.json'), {
  '@jupyterlab/apputils-extension:notification': { fetchNews: 'false' }
});

// Module federation: every package JupyterLab pins is shared, singletons as singletons.
const shared = {};
for (const [pkg, requiredVersion] of Object.entries(core.resolutions)) {
  shared[pkg] = { requiredVersion };
}
for (const pkg of extensionPackages) {
  if (!shared[pkg]) {
    shared[pkg] = { requiredVersion: require(`${pkg}/package.json`).version };
  }
}
for (const pkg of jlab.singletonPackages) {
  shared[pkg].singleton = true;
}

const minimize = process.env.ATELIER_LAB_MINIMIZE === '1';

module.exports = [
  merge(baseConfig, {
    mode: 'production',
    entry: { main: [path.join(__dirname, 'src', 'publicpath.js'), path.join(entryDir, 'bootstrap.js')] },
    output: {
      path: staticDir,
      publicPath: '{{page_config.fullStaticUrl}}/',
      filename: '[name].[contenthash].js?v=[contenthash]'
    },
    optimization: {
      minimize,
      splitChunks: {
        chunks: 'all',
        cacheGroups: {
          jlab_core: {
            test: /[\\/]node_modules[\\/]@(jupyterlab|lumino(?!\/datagrid))[\\/]/,
            name: 'jlab_core'
          }
        }
      }
    },
    devtool: false,
    externals: ['ws'],
    plugins: [
      new HtmlWebpackPlugin({
        chunksSortMode: 'none',
        template: path.join(__dirname, 'src', 'index.html'),
        title: jlab.name || 'JupyterLab'
      }),
      new rspack.container.ModuleFederationPlugin({
        library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION'] },
        name: 'CORE_FEDERATION',
        shared
      })
    ]
  })
].concat(themeConfigs);
