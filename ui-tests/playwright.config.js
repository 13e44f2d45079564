/*
 * Browser tests: Playwright + galata drive the real JupyterLab that `atelier lab` serves,
 * through the gateway, in Debian's Chromium (browsers cannot be downloaded here).
 */
const { execFileSync } = require('child_process');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const chromium = require('./chromium');

// galata's in-page helpers, as PyPI's JupyterLab ships them prebuilt (jupyterlab/galata/).
const GALATA = execFileSync(
  process.env.ATELIER_PYTHON || 'python3',
  ['-c', 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "galata"))'],
  { encoding: 'utf8' }
).trim();

const PORT = Number(process.env.ATELIER_UI_PORT || 8899);
/** Plain `jupyter lab` with the wheel installed: Atelier as a jupyter-server-proxy add-on. */
const SIDECAR_PORT = Number(process.env.ATELIER_UI_SIDECAR_PORT || 8898);
const TOKEN = process.env.ATELIER_UI_TOKEN || 'atelier-ui-tests-token';
/** A JupyterHub (server/test/hub/jupyterhub_config.py) whose users' servers have Atelier. */
const HUB_PORTS = (process.env.ATELIER_UI_HUB_PORTS || '8897,8896,8895').split(',');
const HUB_TOKEN = process.env.ATELIER_UI_HUB_TOKEN || 'atelier-ui-tests-hub-token';
const HUB = `${__dirname}/build/hub`;
const REPO = `${__dirname}/..`;
const RUN = `${__dirname}/build/run`;
const SIDECAR = `${__dirname}/build/sidecar`;

module.exports = {
  ...baseConfig,
  testDir: './tests',
  outputDir: './test-results',
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  timeout: 120000,
  expect: { timeout: 30000 },
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${PORT}`,
    // Token authentication for the page, its websockets and galata's API calls alike.
    extraHTTPHeaders: { Authorization: `token ${TOKEN}` },
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: chromium
  },
  projects: [
    { name: 'gateway', testIgnore: /(sidecar|hub)\//, use: { baseURL: `http://127.0.0.1:${PORT}` } },
    { name: 'sidecar', testMatch: /sidecar\/.*\.spec\.ts/, use: { baseURL: `http://127.0.0.1:${SIDECAR_PORT}` } },
    {
      name: 'hub',
      testMatch: /hub\/.*\.spec\.ts/,
      // The tests' service token: admin of the Hub's users and servers, and access to them.
      use: { baseURL: `http://127.0.0.1:${HUB_PORTS[0]}`, extraHTTPHeaders: { Authorization: `token ${HUB_TOKEN}` } }
    }
  ],
  webServer: [
    {
      command:
        `rm -rf ${RUN} && mkdir -p ${RUN}/work && ` +
        `node ../server/lib/cli.js lab --port ${PORT} --workspace ${RUN}/work --data-dir ${RUN}/data ` +
        `--extra-labextensions ${GALATA} --expose-app-in-browser`,
      url: `http://127.0.0.1:${PORT}/login`,
      env: { ...process.env, ATELIER_TOKEN: TOKEN, ATELIER_LOG_LEVEL: 'warn' },
      timeout: 120000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe'
    },
    {
      // Its own home, Jupyter folders and Atelier data, so nothing of the machine's leaks in.
      command:
        `rm -rf ${SIDECAR} && mkdir -p ${SIDECAR}/work ${SIDECAR}/home && ` +
        `jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=${SIDECAR_PORT} ` +
        `--ServerApp.root_dir=${SIDECAR}/work --LabApp.extra_labextensions_path=${GALATA} ` +
        `--LabApp.expose_app_in_browser=True ${process.getuid && process.getuid() === 0 ? '--allow-root' : ''}`,
      url: `http://127.0.0.1:${SIDECAR_PORT}/login`,
      env: {
        ...process.env,
        JUPYTER_TOKEN: TOKEN,
        HOME: `${SIDECAR}/home`,
        JUPYTER_CONFIG_DIR: `${SIDECAR}/home/.jupyter`,
        JUPYTER_RUNTIME_DIR: `${SIDECAR}/home/runtime`,
        XDG_DATA_HOME: `${SIDECAR}/home/data`,
        // The service, started by jupyter-server-proxy, inherits this.
        ATELIER_LOG_LEVEL: 'warn'
      },
      timeout: 120000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe'
    },
    {
      command: `rm -rf ${HUB} && mkdir -p ${HUB} && cd ${HUB} && jupyterhub -f ${REPO}/server/test/hub/jupyterhub_config.py`,
      url: `http://127.0.0.1:${HUB_PORTS[0]}/hub/api`,
      env: {
        ...process.env,
        ATELIER_HUB_ROOT: HUB,
        ATELIER_HUB_PORTS: HUB_PORTS.join(','),
        ATELIER_HUB_VENV: process.env.ATELIER_VENV || `${REPO}/.venv`,
        ATELIER_HUB_CHP: `${REPO}/node_modules/.bin/configurable-http-proxy`,
        ATELIER_HUB_TOKEN: HUB_TOKEN,
        ATELIER_HUB_LOG_LEVEL: 'ERROR',
        ATELIER_LOG_LEVEL: 'warn'
      },
      timeout: 120000,
      reuseExistingServer: false,
      // The Hub stops its users' servers when it is asked to stop, not when it is killed.
      gracefulShutdown: { signal: 'SIGTERM', timeout: 20000 },
      stdout: 'ignore',
      stderr: 'pipe'
    }
  ]
};
