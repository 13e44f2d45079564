/**
 * A long history of jobs: the list is paged (a cursor and a limit), filtered and sorted on the
 * service; the service opens the history from its index, rebuilds what the index lacks, and
 * keeps it through restarts, deletions and crashes between a record and its index line.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startSidecar } from '../support/atelier';
import { ApiClient } from '../support/client';
import { IHistoryJob, writeHistory } from '../support/history';

const COUNT = 1200;
const settings = {
  'jobs.python': '/usr/bin/python3',
  'jobs.catalog': [{ id: 'one', cpus: 1, memoryMiB: 256 }]
};

let root: string;
let history: IHistoryJob[];
let svc: Awaited<ReturnType<typeof startSidecar>>;
let jobs: ApiClient['jobs'];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-history-'));
  history = await writeHistory(path.join(root, 'data'), COUNT);
  svc = await startSidecar(settings, {}, { root });
  jobs = new ApiClient(svc).jobs;
});

afterAll(async () => {
  await svc?.close();
});

const newestFirst = (list: IHistoryJob[]) =>
  [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.id < b.id ? 1 : -1)).map(j => j.id);

test('the first page is the newest jobs, and following `next` walks every job once, newest first', async () => {
  const first = await jobs.page({ limit: 50 });
  expect(first.total).toBe(COUNT);
  expect(first.jobs).toHaveLength(50);
  expect(first.jobs.map(j => j.id)).toEqual(newestFirst(history).slice(0, 50));
  expect(first.jobs[0].spec.parameters.length).toBe(2); // whole jobs, read from their records
  expect(typeof first.next).toBe('string');

  const all = await jobs.all({ limit: 100 });
  expect(all.ids).toEqual(newestFirst(history));
  expect(all.pages).toBe(COUNT / 100);
  expect(new Set(all.totals)).toEqual(new Set([COUNT]));

  // Without a limit, one page of 100: a long history never comes down whole.
  const plain = await jobs.page();
  expect(plain.jobs).toHaveLength(100);
});

test('filters: phase, words, name, executor and a time range, each with its total', async () => {
  const failed = history.filter(j => j.phase === 'Failed');
  const page = await jobs.all({ phase: 'Failed', limit: 500 });
  expect(page.ids).toEqual(newestFirst(failed));
  expect(page.totals[0]).toBe(failed.length);

  const ended = await jobs.page({ phase: 'Failed,Stopped', limit: 1 });
  expect(ended.total).toBe(history.filter(j => j.phase === 'Failed' || j.phase === 'Stopped').length);

  // Words: each in the name, id, phase or flavor, in any case.
  const words = await jobs.all({ q: 'SWEEP failed', limit: 500 });
  expect(words.ids).toEqual(newestFirst(history.filter(j => j.name.startsWith('sweep-lr') && j.phase === 'Failed')));
  expect(words.ids.length).toBeGreaterThan(0);

  const named = await jobs.page({ name: 'yolo-v8-1', limit: 500 });
  expect(named.jobs.map(j => j.metadata.name).sort()).toEqual(
    history
      .filter(j => j.name.includes('yolo-v8-1'))
      .map(j => j.name)
      .sort()
  );

  expect((await jobs.page({ executor: 'slurm' })).total).toBe(0);
  expect((await jobs.page({ executor: 'local', limit: 1 })).total).toBe(COUNT);

  const since = history[600].createdAt;
  const until = history[700].createdAt;
  const range = await jobs.all({ since, until, limit: 500 });
  expect(range.ids).toEqual(newestFirst(history.slice(600, 700)));
});

test('sorts by name, phase and duration page through without gaps or repeats', async () => {
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const byName = await jobs.all({ sort: 'name', limit: 200 });
  expect(new Set(byName.ids).size).toBe(COUNT);
  const names = new Map(history.map(j => [j.id, j.name]));
  const listed = byName.ids.map(id => names.get(id)!);
  expect(listed).toEqual([...listed].sort(collator.compare));
  expect(listed[0]).toBe('bert-finetune-0');

  const byPhase = await jobs.all({ sort: 'phase', limit: 300 });
  expect(new Set(byPhase.ids).size).toBe(COUNT);
  const phases = new Map(history.map(j => [j.id, j.phase]));
  expect(byPhase.ids.map(id => phases.get(id))).toEqual(
    [...byPhase.ids.map(id => phases.get(id)!)].sort((a, b) => a.localeCompare(b))
  );

  const byDuration = await jobs.all({ sort: 'duration', limit: 250 });
  expect(new Set(byDuration.ids).size).toBe(COUNT);
  const page = await jobs.page({ sort: 'duration', limit: 20 });
  const durations = page.jobs.map(j => j.status.duration);
  expect(durations).toEqual([...durations].sort((a, b) => b - a));
});

test('a wrong query is a 400 that says what is wrong', async () => {
  const bad = async (query: string) => (await jobs.call('GET', `jobs?${query}`)).data;
  const cursor = await bad('cursor=not-a-cursor');
  expect(cursor.message).toMatch(/cursor is not one this service gave out/);
  expect(cursor.field).toBe('cursor');

  const first = await jobs.page({ limit: 5 });
  const other = await bad(`cursor=${first.next}&sort=name`);
  expect(other.message).toMatch(/sorted by created, not by name/);

  for (const query of ['limit=0', 'limit=501', 'phase=Done', 'sort=size', 'since=yesterday']) {
    const res = await jobs.call('GET', `jobs?${query}`);
    expect([query, res.status]).toEqual([query, 400]);
    expect(res.data.message).toBeTruthy();
    expect(JSON.stringify(res.data)).not.toMatch(/at .*\.js:\d+/);
  }
});

test('a new job comes first; the index survives a restart, a crash between its writes, and a deletion', async () => {
  fs.writeFileSync(path.join(svc.workspace, 'hello.py'), 'print("hello")\n');
  const job = await jobs.submit({ name: 'fresh', bootFile: 'hello.py' });
  await jobs.waitFor(job.id);
  const first = await jobs.page({ limit: 1 });
  expect(first.jobs[0].id).toBe(job.id);
  expect(first.total).toBe(COUNT + 1);

  const gone = history[10].id;
  expect((await jobs.call('DELETE', `jobs/${gone}`)).status).toBe(204);
  expect((await jobs.call('GET', `jobs/${gone}`)).status).toBe(404);
  await svc.close(true);

  // As after a crash: a torn last index line, a folder the index never heard of (a record
  // written just before the crash), and a folder removed behind the service's back.
  const dir = path.join(root, 'data', 'jobs');
  const index = path.join(dir, 'index.jsonl');
  expect(fs.readFileSync(index, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(COUNT);
  fs.appendFileSync(index, '{"id":"20260101-dead');
  const [extra] = await writeHistory(path.join(root, 'extra'), 1);
  fs.renameSync(path.join(root, 'extra', 'jobs', extra.id), path.join(dir, extra.id));
  const vanished = history[20].id;
  fs.rmSync(path.join(dir, vanished), { recursive: true });

  svc = await startSidecar(settings, {}, { root });
  jobs = new ApiClient(svc).jobs;
  const all = await jobs.all({ limit: 500 });
  expect(all.totals[0]).toBe(COUNT + 1 - 2 + 1);
  expect(all.ids).toContain(extra.id);
  expect(all.ids).toContain(job.id);
  expect(all.ids).not.toContain(gone);
  expect(all.ids).not.toContain(vanished);
  expect((await jobs.get(job.id)).status.phase).toBe('Completed');
  // The index was rewritten whole: one line per job, none torn.
  const lines = fs.readFileSync(index, 'utf8').split('\n').filter(Boolean);
  expect(lines).toHaveLength(COUNT + 1 - 2 + 1);
  expect(() => lines.forEach(line => JSON.parse(line))).not.toThrow();
});
