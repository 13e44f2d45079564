import { LabIcon } from '@jupyterlab/ui-components';
import atelierSvg from '../style/icons/atelier.svg';

export const atelierIcon = new LabIcon({ name: 'jupyterlab-atelier:atelier', svgstr: atelierSvg });
