import { LabIcon } from '@jupyterlab/ui-components';
import atelierSvg from '../style/icons/atelier.svg';
import storageSvg from '../style/icons/storage.svg';
import flavorSvg from '../style/icons/flavor.svg';
import jobsSvg from '../style/icons/jobs.svg';
import compareSvg from '../style/icons/compare.svg';

export const atelierIcon = new LabIcon({ name: 'jupyterlab-atelier:atelier', svgstr: atelierSvg });

export const storageIcon = new LabIcon({ name: 'jupyterlab-atelier:storage', svgstr: storageSvg });

export const jobsIcon = new LabIcon({ name: 'jupyterlab-atelier:jobs', svgstr: jobsSvg });

/** Training jobs side by side. */
export const compareIcon = new LabIcon({ name: 'jupyterlab-atelier:compare', svgstr: compareSvg });

export const flavorIcon = new LabIcon({ name: 'jupyterlab-atelier:flavor', svgstr: flavorSvg });
