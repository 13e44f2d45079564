/**
 * The memory-limit fallback where no cgroup can be made: an address-space limit (prlimit)
 * on the job's processes. Forced with ATELIER_MEMORY_LIMITS=rlimit on machines with cgroups.
 */
import { startSidecar } from '../support/atelier';
import { ApiClient } from '../support/client';

test('without cgroups, a job runs under an address-space limit of its flavor', async () => {
  process.env.ATELIER_MEMORY_LIMITS = 'rlimit';
  const svc = await startSidecar({
    'jobs.python': '/usr/bin/python3',
    'jobs.catalog': [{ id: 'one', cpus: 1, memoryMiB: 512 }]
  });
  delete process.env.ATELIER_MEMORY_LIMITS;
  try {
    expect((svc.service.platform.jobs!.executor as unknown as { memoryMethod: string }).memoryMethod).toBe('rlimit');
    const jobs = new ApiClient(svc).jobs;
    const job = await jobs.submit({
      name: 'rlimit',
      command: `/usr/bin/python3 -c "import resource, os; print('as', resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20, 'cpus', len(os.sched_getaffinity(0)))"`
    });
    const done = await jobs.waitFor(job.id);
    expect(done.status.phase).toBe('Completed');
    expect(await jobs.log(job.id)).toContain('as 512 cpus 1');
  } finally {
    await svc.close();
  }
});
