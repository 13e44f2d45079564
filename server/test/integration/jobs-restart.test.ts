/**
 * The local executor across restarts of the service, and its queue: jobs are durable records,
 * running jobs are found again, a job that ended while the service was down is accounted for,
 * and no job runs twice.
 */
import * as fs from 'fs';
import * as path from 'path';
import { startSidecar } from '../support/atelier';
import { ApiClient } from '../support/client';

const settings = {
  'jobs.python': '/usr/bin/python3',
  'jobs.graceSeconds': 1,
  'jobs.catalog': [{ id: 'one', cpus: 1, memoryMiB: 256 }]
};

function write(workspace: string, rel: string, content: string): void {
  const file = path.join(workspace, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

test('a restart while two jobs run accounts for both, and runs neither twice', async () => {
  let svc = await startSidecar(settings);
  const root = svc.root;
  const runs = path.join(svc.workspace, 'runs.txt');
  try {
    // Each program notes that it started (in the workspace, outside its snapshot) and waits for a go-file.
    write(
      svc.workspace,
      'r/job.sh',
      `echo "$ATELIER_JOB_NAME" >> "${runs}"\necho "waiting"\nwhile [ ! -e "${svc.workspace}/go-$ATELIER_JOB_NAME" ]; do sleep 0.1; done\necho "done"\nexit "$CODE"\n`
    );
    let jobs = new ApiClient(svc).jobs;
    const a = await jobs.submit({ name: 'alpha', bootFile: 'r/job.sh', environments: { CODE: '0' } });
    const b = await jobs.submit({ name: 'beta', bootFile: 'r/job.sh', environments: { CODE: '4' } });
    await jobs.waitFor(a.id, ['Running']);
    await jobs.waitFor(b.id, ['Running']);
    await jobs.streamLog(a.id, t => t.includes('waiting'));
    await jobs.streamLog(b.id, t => t.includes('waiting'));
    await svc.close(true);

    // While the service is down, beta's program ends; alpha keeps running.
    fs.writeFileSync(path.join(svc.workspace, 'go-beta'), '');
    const betaPid = Number(
      (await JSON.parse(fs.readFileSync(path.join(root, 'data', 'jobs', b.id, 'job.json'), 'utf8'))).handle.externalId
    );
    const deadline = Date.now() + 20000;
    while (fs.existsSync(`/proc/${betaPid}`) && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 50));
    }

    svc = await startSidecar(settings, {}, { root });
    jobs = new ApiClient(svc).jobs;
    const beta = await jobs.waitFor(b.id);
    expect(beta.status).toMatchObject({ phase: 'Failed', exitCode: 4 });
    expect((await jobs.get(a.id)).status.phase).toBe('Running');
    fs.writeFileSync(path.join(svc.workspace, 'go-alpha'), '');
    const alpha = await jobs.waitFor(a.id);
    expect(alpha.status).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(await jobs.log(a.id)).toMatch(/waiting\ndone\n/);
    expect(fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['alpha', 'beta']);
  } finally {
    await svc.close();
  }
});

test('a job whose process dies while the service is down is marked failed with the reason', async () => {
  let svc = await startSidecar(settings);
  const root = svc.root;
  try {
    write(svc.workspace, 'k/sleep.sh', 'echo sleeping\nsleep 60\n');
    let jobs = new ApiClient(svc).jobs;
    const job = await jobs.submit({ name: 'victim', bootFile: 'k/sleep.sh' });
    await jobs.streamLog(job.id, t => t.includes('sleeping'));
    await svc.close(true);
    const pid = Number(
      JSON.parse(fs.readFileSync(path.join(root, 'data', 'jobs', job.id, 'job.json'), 'utf8')).handle.externalId
    );
    process.kill(-pid, 'SIGKILL');
    svc = await startSidecar(settings, {}, { root });
    jobs = new ApiClient(svc).jobs;
    const done = await jobs.waitFor(job.id);
    expect(done.status.phase).toBe('Failed');
    expect(done.status.reason).toMatch(/ended without recording an exit code/);
  } finally {
    await svc.close();
  }
});

test('jobs queue at the concurrency limit and start in order as others finish', async () => {
  const svc = await startSidecar({ ...settings, 'jobs.maxConcurrent': 1 });
  try {
    const jobs = new ApiClient(svc).jobs;
    write(
      svc.workspace,
      'q/job.sh',
      `while [ ! -e "${svc.workspace}/go-$ATELIER_JOB_NAME" ]; do sleep 0.1; done\necho "ran $ATELIER_JOB_NAME"\n`
    );
    const first = await jobs.submit({ name: 'first', bootFile: 'q/job.sh' });
    const second = await jobs.submit({ name: 'second', bootFile: 'q/job.sh' });
    const third = await jobs.submit({ name: 'third', bootFile: 'q/job.sh' });
    await jobs.waitFor(first.id, ['Running']);
    await new Promise(resolve => setTimeout(resolve, 500));
    const waiting = await jobs.get(second.id);
    expect(waiting.status.phase).toBe('Pending');
    expect(waiting.status.message).toMatch(/Waiting for capacity/);
    // A queued job can be stopped before it ever runs.
    const stopped = await jobs.call('POST', `jobs/${third.id}/stop`);
    expect(stopped.data.status.phase).toBe('Stopped');
    fs.writeFileSync(path.join(svc.workspace, 'go-first'), '');
    fs.writeFileSync(path.join(svc.workspace, 'go-second'), '');
    expect((await jobs.waitFor(first.id)).status.phase).toBe('Completed');
    const done = await jobs.waitFor(second.id);
    expect(done.status.phase).toBe('Completed');
    expect(Date.parse(done.status.startedAt!)).toBeGreaterThanOrEqual(
      Date.parse((await jobs.get(first.id)).status.finishedAt!) - 1000
    );
    expect(await jobs.log(third.id)).toBe('');
    // Finished jobs can be deleted, with their folders; running ones cannot.
    expect((await jobs.call('DELETE', `jobs/${first.id}`)).status).toBe(204);
    expect(fs.existsSync(path.join(svc.root, 'data', 'jobs', first.id))).toBe(false);
    expect((await jobs.call('GET', `jobs/${first.id}`)).status).toBe(404);
  } finally {
    await svc.close();
  }
});
