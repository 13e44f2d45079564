/**
 * Training jobs on a real Slurm started by the test (munged, slurmctld, slurmd on loopback):
 * submit, follow the log, stop, read the state. Needs root; skipped with the reason otherwise.
 */
import * as fs from 'fs';
import * as path from 'path';
import { startSidecar } from '../support/atelier';
import { ApiClient } from '../support/client';
import { ISlurm, slurmUnavailable, startSlurm } from '../support/slurm';

const why = slurmUnavailable();
const describeSlurm = why ? describe.skip : describe;
if (why) {
  console.warn(`Skipping the Slurm tests: ${why}.`);
}

describeSlurm('the Slurm executor', () => {
  let slurm: ISlurm;
  let svc: Awaited<ReturnType<typeof startSidecar>>;
  let jobs: ApiClient['jobs'];

  const write = (rel: string, content: string) => {
    const file = path.join(svc.workspace, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  };

  beforeAll(async () => {
    slurm = await startSlurm();
    svc = await startSidecar({
      'jobs.executor': 'slurm',
      'jobs.python': '/usr/bin/python3',
      'jobs.graceSeconds': 2,
      'jobs.slurm': { conf: slurm.conf, partition: 'debug' },
      'jobs.catalog': [
        { id: 'one', cpus: 1, memoryMiB: 512 },
        { id: 'huge', cpus: 1, memoryMiB: 10 * 1024 * 1024 }
      ]
    });
    jobs = new ApiClient(svc).jobs;
  }, 120000);

  afterAll(async () => {
    await svc?.close();
    await slurm?.stop();
  });

  test('a job is submitted with sbatch, its log followed live, and it completes with its output', async () => {
    write(
      'train/train.py',
      'import os, sys, time\nprint("args", sys.argv[1:])\nprint("slurm job", os.environ.get("SLURM_JOB_ID"), "cpus", os.environ.get("SLURM_CPUS_PER_TASK"))\ntime.sleep(1.5)\nopen(os.path.join(os.environ["ATELIER_OUTPUT_MODEL"], "m.txt"), "w").write("ok")\nprint("finished")\n'
    );
    const job = await jobs.submit({
      name: 'slurm-train',
      bootFile: 'train/train.py',
      parameters: [{ name: 'lr', value: '0.01' }],
      outputs: [{ name: 'model', uri: 'results/slurm' }],
      flavorId: 'one'
    });
    expect(job.executor).toBe('slurm');
    const early = await jobs.streamLog(job.id, text => text.includes('slurm job'));
    expect(early.ended).toBe(false);
    expect(early.text).toContain("args ['--lr=0.01']");
    const running = await jobs.get(job.id);
    expect(running.status.externalId).toMatch(/^\d+$/);
    expect(early.text).toContain(`slurm job ${running.status.externalId} cpus 1`);
    const done = await jobs.waitFor(job.id);
    expect(done.status).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(await jobs.log(job.id)).toContain('finished');
    expect(fs.readFileSync(path.join(svc.workspace, 'results', 'slurm', 'm.txt'), 'utf8')).toBe('ok');
  });

  test('a failing job is Failed with its exit code', async () => {
    write('fail.sh', 'echo failing\nexit 7\n');
    const done = await jobs.waitFor((await jobs.submit({ name: 'slurm-fail', bootFile: 'fail.sh' })).id);
    expect(done.status).toMatchObject({ phase: 'Failed', exitCode: 7 });
    expect(done.status.timeline.map((e: any) => e.phase)).toEqual(['Pending', 'Running', 'Failed']);
  });

  test('stop ends a running job through scancel, also when it ignores SIGTERM', async () => {
    write(
      'stubborn.py',
      'import signal, time\nsignal.signal(signal.SIGTERM, lambda *a: print("ignoring SIGTERM", flush=True))\nprint("started", flush=True)\nwhile True:\n    time.sleep(0.1)\n'
    );
    const job = await jobs.submit({ name: 'slurm-stop', bootFile: 'stubborn.py' });
    await jobs.streamLog(job.id, text => text.includes('started'));
    expect((await jobs.call('POST', `jobs/${job.id}/stop`)).status).toBe(200);
    const done = await jobs.waitFor(job.id);
    expect(done.status.phase).toBe('Stopped');
    expect(await jobs.log(job.id)).toContain('ignoring SIGTERM');
  });

  test('a job Slurm cannot place is refused with its reason', async () => {
    const res = await jobs.call('POST', 'jobs', { name: 'too-big', command: 'true', flavorId: 'huge' });
    expect(res.status).toBe(201); // Slurm decides at submission, after the record exists
    const done = await jobs.waitFor(res.data.id);
    expect(done.status.phase).toBe('Failed');
    expect(done.status.reason).toMatch(/Slurm refused the job/);
  });
});
