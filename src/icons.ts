import { LabIcon } from '@jupyterlab/ui-components';
import atelierSvg from '../style/icons/atelier.svg';
import storageSvg from '../style/icons/storage.svg';

export const atelierIcon = new LabIcon({ name: 'jupyterlab-atelier:atelier', svgstr: atelierSvg });

export const storageIcon = new LabIcon({ name: 'jupyterlab-atelier:storage', svgstr: storageSvg });
