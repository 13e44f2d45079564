import * as fs from 'fs';
import * as path from 'path';

/** The root of the installed package (holds package.json, lab/, labextensions/). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

export const VERSION: string = JSON.parse(
  fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')
).version;

/** Where Atelier's prebuilt labextension lives (a folder holding `jupyterlab-atelier/`). */
export const LABEXTENSIONS_DIR = path.join(PACKAGE_ROOT, 'labextensions');

/** The bundled JupyterLab: its launcher module and build. */
export const BUNDLED_LAB_DIR = path.join(PACKAGE_ROOT, 'lab');
