/**
 * Where the service's files are. The service runs from one of two layouts:
 * - the repository or the npm package: `server/lib/*.js` (or `server/src/*.ts` under the tests),
 *   with `server/resources/`, and the package root above holding package.json and the prebuilt
 *   labextension in `labextensions/`;
 * - the Python package: one bundled `atelier.js` beside `resources/` and `package.json`; the
 *   labextension is installed where JupyterLab finds it (share/jupyter/labextensions).
 */
import * as fs from 'fs';
import * as path from 'path';

const BUNDLE = fs.existsSync(path.join(__dirname, 'resources'));

/** The root of the installed package (holds package.json). */
export const PACKAGE_ROOT = BUNDLE ? __dirname : path.resolve(__dirname, '..', '..');

/** Files the service runs beside itself: the bulk transfer worker, the notebook runner. */
export const RESOURCES_DIR = BUNDLE ? path.join(__dirname, 'resources') : path.resolve(__dirname, '..', 'resources');

export const VERSION: string = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;

/**
 * Where Atelier's prebuilt labextension lives (a folder holding `jupyterlab-atelier/`), in the
 * repository and the npm package; null where JupyterLab finds it by itself (pip install).
 */
export const LABEXTENSIONS_DIR: string | null = fs.existsSync(
  path.join(PACKAGE_ROOT, 'labextensions', 'jupyterlab-atelier', 'package.json')
)
  ? path.join(PACKAGE_ROOT, 'labextensions')
  : null;
