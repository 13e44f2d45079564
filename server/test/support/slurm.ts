/**
 * For tests and benchmarks, not for production: a real single-node Slurm (Debian slurm-wlm: munged, slurmctld, slurmd) started from a
 * temporary folder on loopback, as root; see shared/notes/slurm.md. `stop()` ends the three
 * daemons and removes the folder.
 */
import { execFile, execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../../src/jupyter';

export interface ISlurm {
  dir: string;
  conf: string;
  /** Environment for the client commands (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Why Slurm cannot run here, or null when it can. */
export function slurmUnavailable(): string | null {
  if (process.getuid?.() !== 0) {
    return 'the Slurm tests start slurmctld and slurmd, which needs root';
  }
  for (const bin of ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch']) {
    if (!fs.existsSync(bin)) {
      return `${bin} is missing (apt-get install -y slurm-wlm)`;
    }
  }
  return null;
}

function run(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 30000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout)
    );
  });
}

function killByPidFile(file: string): void {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    if (pid > 0) {
      process.kill(pid, 'SIGTERM');
    }
  } catch {
    // not running
  }
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30000,
  logs: string[] = []
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  const tails = logs
    .map(f => `--- ${f}\n${fs.existsSync(f) ? fs.readFileSync(f, 'utf8').slice(-2000) : '(none)'}`)
    .join('\n');
  throw new Error(`Slurm: ${what} did not happen in ${timeoutMs / 1000} s\n${tails}`);
}

export async function startSlurm(): Promise<ISlurm> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-slurm-'));
  const host = execFileSync('hostname', ['-s']).toString().trim();
  const p = (name: string) => path.join(dir, name);
  fs.mkdirSync(p('spool'), { mode: 0o755 });
  fs.mkdirSync(p('state'), { mode: 0o755 });
  fs.writeFileSync(p('munge.key'), crypto.randomBytes(1024), { mode: 0o600 });
  const socket = p('munge.socket');
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const memoryMB = Math.floor(os.totalmem() / 1024 / 1024) - 512;
  const conf = p('slurm.conf');
  fs.writeFileSync(
    conf,
    [
      'ClusterName=atelier-test',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU_Memory',
      'SchedulerType=sched/builtin',
      'MpiDefault=none',
      'JobCompType=jobcomp/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'ReturnToService=2',
      'MinJobAge=600',
      'KillWait=5',
      `SlurmctldPidFile=${p('slurmctld.pid')}`,
      `SlurmdPidFile=${p('slurmd.pid')}`,
      `SlurmctldLogFile=${p('slurmctld.log')}`,
      `SlurmdLogFile=${p('slurmd.log')}`,
      `SlurmdSpoolDir=${p('spool')}`,
      `StateSaveLocation=${p('state')}`,
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${os.cpus().length} RealMemory=${memoryMB} State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      ''
    ].join('\n')
  );
  const env = { SLURM_CONF: conf };
  const logs = [p('munged.log'), p('slurmctld.log'), p('slurmd.log')];
  const stop = async () => {
    killByPidFile(p('slurmd.pid'));
    killByPidFile(p('slurmctld.pid'));
    await new Promise(resolve => setTimeout(resolve, 500));
    killByPidFile(p('munged.pid'));
    await new Promise(resolve => setTimeout(resolve, 200));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('/usr/sbin/munged', [
      `--key-file=${p('munge.key')}`,
      `--socket=${socket}`,
      `--pid-file=${p('munged.pid')}`,
      `--log-file=${p('munged.log')}`,
      `--seed-file=${p('munged.seed')}`,
      '--force'
    ]);
    await run('/usr/sbin/slurmctld', ['-f', conf], env);
    await run('/usr/sbin/slurmd', ['-f', conf], env);
    await waitUntil(
      'the node becoming idle',
      async () => /idle/.test(await run('/usr/bin/sinfo', ['-h', '-o', '%T'], env)),
      30000,
      logs
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, conf, env, stop };
}
