/**
 * Live usage of a process tree (the notebook server and its kernels) from /proc: CPU time
 * between two samples and resident memory, summed over the tree; GPUs from nvidia-smi where it
 * exists (absent GPUs are simply not reported).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';

/** Clock ticks of /proc's CPU times per second (USER_HZ on Linux). */
export const TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

export interface IProc {
  pid: number;
  ppid: number;
  /** The state letter (R, S, Z, …). */
  state: string;
  /** When the process started, in ticks since boot (tells a reused pid apart). */
  start: number;
  /** utime + stime, in ticks. */
  cpu: number;
  /** Resident pages. */
  rss: number;
}

/** A process's /proc/PID/stat, or null when it does not exist. */
export function readProc(pid: number): IProc | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(rest[1]),
      state: rest[0],
      start: Number(rest[19]),
      cpu: Number(rest[11]) + Number(rest[12]),
      rss: Number(rest[21])
    };
  } catch {
    return null;
  }
}

/** Every process at or below `root`. */
export function processTree(root: number): IProc[] {
  const all: IProc[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (/^\d+$/.test(name)) {
      const proc = readProc(Number(name));
      if (proc) {
        all.push(proc);
      }
    }
  }
  const children = new Map<number, IProc[]>();
  for (const proc of all) {
    children.set(proc.ppid, [...(children.get(proc.ppid) ?? []), proc]);
  }
  const tree: IProc[] = [];
  const self = all.find(p => p.pid === root);
  const stack = self ? [self] : [];
  while (stack.length) {
    const proc = stack.pop()!;
    tree.push(proc);
    stack.push(...(children.get(proc.pid) ?? []));
  }
  return tree;
}

export interface IGpu {
  index: number;
  name: string;
  utilizationPercent: number;
  memoryUsedMiB: number;
  memoryTotalMiB: number;
}

/** GPUs as nvidia-smi reports them, or null where there is no nvidia-smi (or no GPU). */
export function readGpus(): Promise<IGpu[] | null> {
  return new Promise(resolve => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=index,name,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'],
      { timeout: 5000 },
      (error, stdout) => {
        if (error) {
          resolve(null);
          return;
        }
        const gpus = stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map(line => line.split(',').map(f => f.trim()))
          .map(([index, name, util, used, total]) => ({
            index: Number(index),
            name,
            utilizationPercent: Number(util),
            memoryUsedMiB: Number(used),
            memoryTotalMiB: Number(total)
          }));
        resolve(gpus.length ? gpus : null);
      }
    );
  });
}

/** CPU percent of a tree between calls (the first call measures from the tree's start). */
export class TreeSampler {
  sample(root: number | undefined): { cpuPercent: number; memoryUsedMiB: number } {
    if (!root) {
      return { cpuPercent: 0, memoryUsedMiB: 0 };
    }
    const tree = processTree(root);
    const now = Date.now();
    const ticks = tree.reduce((sum, p) => sum + p.cpu, 0);
    const rss = tree.reduce((sum, p) => sum + p.rss, 0);
    let cpuPercent = 0;
    if (this._last && this._last.root === root && now > this._last.at) {
      const seconds = (now - this._last.at) / 1000;
      cpuPercent = Math.max(0, ((ticks - this._last.ticks) / TICKS_PER_SECOND / seconds) * 100);
    }
    this._last = { root, at: now, ticks };
    return {
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      memoryUsedMiB: Math.round(((rss * PAGE_SIZE) / 1024 / 1024) * 10) / 10
    };
  }

  private _last: { root: number; at: number; ticks: number } | undefined;
}
