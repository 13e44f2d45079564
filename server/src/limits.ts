/**
 * Resource limits for processes the service starts (job programs; the Jupyter server under a
 * flavor). CPUs: an affinity mask (`taskset`), so `os.sched_getaffinity(0)` shows the
 * flavor's CPUs. Memory: a memory cgroup when the service may create one (cgroup v2, else
 * v1), otherwise an address-space limit (`prlimit --as`), which counts virtual memory and is
 * therefore looser than it looks: stated in docs/flavors.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type MemoryMethod = 'cgroup2' | 'cgroup1' | 'rlimit';

/** CPU ids this process may run on (the machine, or the container's share of it). */
export function availableCpus(): number[] {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(status);
    if (line) {
      return parseCpuList(line[1]);
    }
  } catch {
    // not Linux: fall through
  }
  return Array.from({ length: os.cpus().length }, (_, i) => i);
}

export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) {
      cpus.push(i);
    }
  }
  return cpus;
}

export function formatCpuList(cpus: number[]): string {
  return [...cpus].sort((a, b) => a - b).join(',');
}

/** Hands out CPU ids so that jobs running side by side do not share them while enough are free. */
export class CpuPool {
  constructor(readonly cpus: number[] = availableCpus()) {}

  /** Takes `count` CPUs (the least used ones). */
  take(count: number): number[] {
    const n = Math.max(1, Math.min(this.cpus.length, Math.ceil(count)));
    const chosen = [...this.cpus]
      .sort((a, b) => (this._use.get(a) ?? 0) - (this._use.get(b) ?? 0) || a - b)
      .slice(0, n);
    this.mark(chosen);
    return chosen.sort((a, b) => a - b);
  }

  /** Notes CPUs as used (a job found running after a restart). */
  mark(cpus: number[]): void {
    for (const cpu of cpus) {
      this._use.set(cpu, (this._use.get(cpu) ?? 0) + 1);
    }
  }

  release(cpus: number[]): void {
    for (const cpu of cpus) {
      this._use.set(cpu, Math.max(0, (this._use.get(cpu) ?? 0) - 1));
    }
  }

  private _use = new Map<number, number>();
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Whether a process `pid` exists (EPERM: it does, owned by another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Memory limits by cgroup where allowed, else by rlimit. */
export class MemoryLimits {
  constructor(
    readonly group = 'atelier',
    root = CGROUP_ROOT
  ) {
    this._root = root;
    this.method = this._detect();
  }

  readonly method: MemoryMethod;

  /**
   * Creates a cgroup `name` limited to `bytes` and returns its folder (processes join by
   * writing their pid to its cgroup.procs), or null where the rlimit fallback applies.
   */
  create(name: string, bytes: number): string | null {
    if (this.method === 'rlimit') {
      return null;
    }
    const dir = path.join(this._base!, name);
    fs.mkdirSync(dir, { recursive: true });
    if (this.method === 'cgroup2') {
      fs.writeFileSync(path.join(dir, 'memory.max'), String(bytes));
      fs.writeFileSync(path.join(dir, 'memory.swap.max'), '0', { flag: 'w' });
    } else {
      fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(bytes));
      try {
        fs.writeFileSync(path.join(dir, 'memory.swappiness'), '0');
      } catch {
        // not every kernel allows it
      }
    }
    return dir;
  }

  /**
   * Removes a cgroup once its processes have gone (best effort): processes that outlive their
   * parent by a moment (kernels after their server) are waited for, a few seconds at most.
   */
  remove(dir: string | null | undefined, attempts = 10): void {
    if (!dir || !dir.startsWith(this._base ?? '\0')) {
      return;
    }
    try {
      fs.rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EBUSY' && attempts > 1) {
        setTimeout(() => this.remove(dir, attempts - 1), 500).unref();
      }
    }
  }

  /** Removes the empty cgroups that `owner` names as left by processes no longer running. */
  sweep(owner: (name: string) => number | null): void {
    if (!this._base) {
      return;
    }
    for (const name of fs.readdirSync(this._base, { withFileTypes: true })) {
      const pid = name.isDirectory() ? owner(name.name) : null;
      if (pid !== null && !alive(pid)) {
        this.remove(path.join(this._base, name.name), 1);
      }
    }
  }

  /** The command prefix for the rlimit fallback (empty when a cgroup applies). */
  prefix(bytes: number): string[] {
    return this.method === 'rlimit' ? ['prlimit', `--as=${bytes}`, '--'] : [];
  }

  private _detect(): MemoryMethod {
    if (process.env.ATELIER_MEMORY_LIMITS === 'rlimit') {
      return 'rlimit';
    }
    try {
      const controllers = fs.readFileSync(path.join(this._root, 'cgroup.controllers'), 'utf8');
      if (controllers.split(/\s+/).includes('memory') && writable(this._root)) {
        const base = path.join(this._root, this.group);
        fs.mkdirSync(base, { recursive: true });
        fs.writeFileSync(path.join(this._root, 'cgroup.subtree_control'), '+memory');
        fs.writeFileSync(path.join(base, 'cgroup.subtree_control'), '+memory');
        this._base = base;
        return 'cgroup2';
      }
    } catch {
      // no cgroup v2 we may use
    }
    try {
      const v1 = path.join(this._root, 'memory');
      if (fs.existsSync(path.join(v1, 'memory.limit_in_bytes')) || fs.existsSync(path.join(v1, 'cgroup.procs'))) {
        const base = path.join(v1, this.group);
        fs.mkdirSync(base, { recursive: true });
        this._base = base;
        return 'cgroup1';
      }
    } catch {
      // no cgroup v1 memory controller we may use
    }
    return 'rlimit';
  }

  private _root: string;
  private _base: string | undefined;
}
