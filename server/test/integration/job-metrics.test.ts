/**
 * Training metrics of real local jobs: log lines and the metrics file written with the helper
 * of docs/jobs.md, followed live through the event stream and read whole through the API; and
 * the code folder each job copied.
 */
import * as fs from 'fs';
import * as path from 'path';
import { startSidecar } from '../support/atelier';
import { ApiClient } from '../support/client';

type Sidecar = Awaited<ReturnType<typeof startSidecar>>;

let svc: Sidecar;
let jobs: ApiClient['jobs'];
let client: ApiClient;

function write(rel: string, content: string): void {
  const file = path.join(svc.workspace, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** The series as { name: [[step, value], ...] }. */
function values(metrics: { series: { name: string; points: { step: number; value: number }[] }[] }) {
  return Object.fromEntries(metrics.series.map(s => [s.name, s.points.map(p => [p.step, p.value])]));
}

beforeAll(async () => {
  svc = await startSidecar({ 'jobs.python': '/usr/bin/python3', 'jobs.graceSeconds': 1 });
  client = new ApiClient(svc);
  jobs = client.jobs;
});

afterAll(async () => {
  await svc?.close();
});

test('metrics printed and written to the metrics file are served per metric, live and in whole', async () => {
  // The helper of docs/jobs.md ("Metrics"), as a user would paste it.
  write(
    'metrics/train.py',
    [
      'import json, os',
      'def log_metrics(step, **values):',
      '    with open(os.environ.get("ATELIER_METRICS_FILE", "metrics.jsonl"), "a") as f:',
      '        f.write(json.dumps({"step": step, **values}) + "\\n")',
      '',
      'import sys, time',
      'gate = sys.argv[1].split("=", 1)[1]',
      'print("starting", flush=True)',
      'print("epoch 1: loss=0.5 acc=0.75", flush=True)',
      'log_metrics(1, val_loss=0.625)',
      '# Goes on once the test has seen the first metrics of the running job.',
      'while not os.path.exists(gate):',
      '    time.sleep(0.05)',
      'print("epoch 2: loss=0.25 acc=0.875", flush=True)',
      'print("loss=0.125, acc=0.9375", flush=True)',
      'log_metrics(2, val_loss=0.375)',
      'print("done")'
    ].join('\n')
  );
  const gate = path.join(svc.root, 'gate');
  const job = await jobs.submit({
    name: 'metrics-1',
    bootFile: 'metrics/train.py',
    parameters: [{ name: 'gate', value: gate }]
  });
  expect(job.program).toEqual({ codeDir: 'metrics', bootFile: 'train.py' });

  // The stream sends the metrics of the running job as they come.
  const live = await client.events(
    `jobs/${job.id}/metrics/stream`,
    (event, data) => event === 'metrics' && data.series.length === 3
  );
  const first = live[live.length - 1].data;
  expect(values(first)).toEqual({ loss: [[1, 0.5]], acc: [[1, 0.75]], val_loss: [[1, 0.625]] });
  expect(first.complete).toBe(false);
  expect((await jobs.get(job.id)).status.phase).toBe('Running');

  fs.writeFileSync(gate, '');
  const streamed = await client.events(`jobs/${job.id}/metrics/stream`, event => event === 'end');
  expect(streamed[streamed.length - 1].event).toBe('end');
  expect((await jobs.get(job.id)).status.phase).toBe('Completed');

  const all = await client.ok('GET', `jobs/${job.id}/metrics`);
  expect(values(all)).toEqual({
    loss: [
      [1, 0.5],
      [2, 0.25],
      [3, 0.125]
    ],
    acc: [
      [1, 0.75],
      [2, 0.875],
      [3, 0.9375]
    ],
    val_loss: [
      [1, 0.625],
      [2, 0.375]
    ]
  });
  expect(all.series.map((s: { reported: number }) => s.reported)).toEqual([3, 3, 2]);
  expect(all.complete).toBe(true);
  // The last snapshot the stream sent before its end is the same.
  expect(values(streamed.filter(e => e.event === 'metrics').pop()!.data)).toEqual(values(all));
});

test("the job keeps the code folder it copied: the file's folder, the workspace root, or none", async () => {
  write('root.py', 'print("loss=1")\n');
  const atRoot = await jobs.submit({ name: 'at-root', bootFile: 'root.py' });
  expect(atRoot.program).toEqual({ codeDir: '', bootFile: 'root.py' });
  const command = await jobs.submit({ name: 'command', command: 'echo step 4 loss: 2.5' });
  expect(command.program).toEqual({ codeDir: null });
  await jobs.waitFor(command.id);
  expect(values(await client.ok('GET', `jobs/${command.id}/metrics`))).toEqual({ loss: [[4, 2.5]] });
  // It is in the list and in the job's own answer alike.
  expect((await jobs.get(atRoot.id)).program).toEqual({ codeDir: '', bootFile: 'root.py' });
});

test('the metrics and the streams of a job that does not exist are a 404', async () => {
  const missing = await client.call('GET', 'jobs/20990101-00000000/metrics');
  expect(missing.status).toBe(404);
  expect(missing.data.message).toBe('There is no job "20990101-00000000".');
  const stream = await client.call('GET', 'jobs/20990101-00000000/metrics/stream');
  expect(stream.status).toBe(404);
  const log = await client.call('GET', 'jobs/20990101-00000000/logs/stream');
  expect([log.status, log.data.message]).toEqual([404, 'There is no job "20990101-00000000".']);
});
