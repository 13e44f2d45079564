/**
 * How the front end writes figures, times and records for a person: the one module of
 * formatting helpers that every feature shares.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IFlavor, ITransfer, IUsage } from '../api/client';
import { AtelierError } from '../api/request';

/** Bytes as a person reads them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** GiB from MiB, as every memory figure writes them: to one decimal below 10 (0.2, 3.5), whole from 10 (24). */
function gib(mib: number): string {
  const value = mib / 1024;
  return value >= 10 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(1);
}

/** Memory in MiB as a person reads it: 512 MiB, 3.5 GiB, 24 GiB. */
export function formatMemory(mib: number): string {
  return mib < 1024 ? `${Math.round(mib)} MiB` : `${gib(mib)} GiB`;
}

/**
 * "0.2/4 GiB" or "180/512 MiB": memory used of a limit, in the limit's unit, with the limit
 * written as everywhere else (the status bar's 24 GiB is the toolbar's 24 GiB).
 */
export function memoryPair(usedMiB: number, limitMiB: number): string {
  if (limitMiB <= 0) {
    return formatMemory(usedMiB); // no limit stated
  }
  if (limitMiB < 1024) {
    return `${Math.round(usedMiB)}/${Math.round(limitMiB)} MiB`;
  }
  return `${gib(usedMiB)}/${gib(limitMiB)} GiB`;
}

/** "1 h 02 min", "3 min 05 s", "12 s". */
export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  }
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Today's times as hh:mm, older dates as a short date. */
export function shortDate(iso: string): string {
  const date = new Date(iso);
  const now = new Date();
  return date.toDateString() === now.toDateString()
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString(undefined, { year: '2-digit', month: 'short', day: 'numeric' });
}

/** "1 CPU · 4 GiB" (· "1 GPU (T4)"): a flavor's figures, without those it does not state. */
export function flavorFigures(flavor: IFlavor, trans: TranslationBundle): string {
  const parts: string[] = [];
  if (flavor.cpus > 0) {
    parts.push(trans._n('%1 CPU', '%1 CPUs', flavor.cpus));
  }
  if (flavor.memoryMiB > 0) {
    parts.push(formatMemory(flavor.memoryMiB));
  }
  if (flavor.gpus > 0) {
    parts.push(trans._n('%1 GPU', '%1 GPUs', flavor.gpus) + (flavor.gpuType ? ` (${flavor.gpuType})` : ''));
  }
  return parts.length ? parts.join(' · ') : trans.__('no figures stated');
}

/** "Small · 1 CPU · 4 GiB" (· GPUs): a flavor by name and figures. */
export function flavorSummary(flavor: IFlavor, trans: TranslationBundle): string {
  return `${flavor.name} · ${flavorFigures(flavor, trans)}`;
}

/** "CPU 12% · 0.4 / 4 GiB" (· "GPU 30% · 2.1 / 16 GiB" per GPU). */
export function usageText(
  usage: IUsage,
  memory: (mib: number) => string,
  labels: { cpu: string; gpu: string }
): string {
  const parts = [
    `${labels.cpu} ${Math.round(usage.cpuPercent)}%`,
    usage.memoryLimitMiB > 0
      ? `${memory(usage.memoryUsedMiB)} / ${memory(usage.memoryLimitMiB)}`
      : memory(usage.memoryUsedMiB)
  ];
  for (const gpu of usage.gpus ?? []) {
    parts.push(
      `${labels.gpu}${usage.gpus!.length > 1 ? gpu.index : ''} ${Math.round(gpu.utilizationPercent)}%`,
      `${memory(gpu.memoryUsedMiB)} / ${memory(gpu.memoryTotalMiB)}`
    );
  }
  return parts.join(' · ');
}

/** The two ends of a transfer (a copy), as a person reads them: where from, where to. */
export function transferEnds(t: ITransfer, scheme = 's3'): { from: string; to: string } {
  const object = `${scheme}://${t.bucket}/${t.key}`;
  const workspace = t.path || '/';
  return t.direction === 'to-storage' ? { from: workspace, to: object } : { from: object, to: workspace };
}

/** Where a transfer goes, as a person reads it. */
export function describeTransfer(t: ITransfer, scheme = 's3'): string {
  const { from, to } = transferEnds(t, scheme);
  return `${from} → ${to}`;
}

/** The message of an error, for a dialog or a notification: the service's own for an AtelierError. */
export function errorMessage(e: unknown): string {
  return e instanceof AtelierError ? e.message : String((e as Error)?.message ?? e);
}
