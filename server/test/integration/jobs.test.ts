/**
 * Training jobs on the local executor: real processes in their own process groups, real
 * Python and notebook kernels, outputs delivered to the local object store, and a real
 * restart of the service while jobs run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { startSidecar } from '../support/atelier';
import { ApiClient } from '../support/client';
import { VENV_BIN } from '../support/lab';

type Sidecar = Awaited<ReturnType<typeof startSidecar>>;

/** The environment's Python, as a deployment's default (Jupyter's): notebooks need nbclient and a kernel. */
const PYTHON = path.join(VENV_BIN, 'python');
const settings = {
  'jobs.python': PYTHON,
  'jobs.graceSeconds': 1,
  'jobs.catalog': [
    { id: 'one', name: 'One CPU', cpus: 1, memoryMiB: 256 },
    { id: 'two', name: 'Two CPUs', cpus: 2, memoryMiB: 1024 }
  ]
};

let svc: Sidecar;
let jobs: ApiClient['jobs'];

function write(rel: string, content: string): void {
  const file = path.join(svc.workspace, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

beforeAll(async () => {
  svc = await startSidecar(settings);
  jobs = new ApiClient(svc).jobs;
  expect((await jobs.call('POST', 'storage/endpoints/local/buckets', { name: 'results' })).status).toBe(201);
});

afterAll(async () => {
  await svc?.close();
});

test('a job that writes outputs and prints metrics completes, and its output lands at the output URI', async () => {
  write(
    'train/train.py',
    [
      'import argparse, json, os',
      'p = argparse.ArgumentParser()',
      'p.add_argument("--epochs", type=int)',
      'a = p.parse_args()',
      'out = os.environ["ATELIER_OUTPUT_MODEL"]',
      'for e in range(a.epochs):',
      '    print(json.dumps({"epoch": e, "loss": 1.0 / (e + 1)}))',
      'open(os.path.join(out, "weights.txt"), "w").write("epochs=%d\\n" % a.epochs)',
      'os.makedirs(os.path.join(out, "sub"), exist_ok=True)',
      'open(os.path.join(out, "sub", "note.txt"), "w").write("nested")'
    ].join('\n')
  );
  const job = await jobs.submit({
    name: 'train-1',
    bootFile: 'train/train.py',
    parameters: [{ name: 'epochs', value: '3' }],
    outputs: [{ name: 'model', uri: 's3://results/run1/' }],
    flavorId: 'one'
  });
  expect(job.status.phase).toBe('Pending');
  expect(job.flavor.id).toBe('one');
  const done = await jobs.waitFor(job.id);
  expect(done.status).toMatchObject({ phase: 'Completed', exitCode: 0 });
  expect(done.status.timeline.map((e: any) => e.phase)).toEqual(['Pending', 'Running', 'Completed']);
  const log = await jobs.log(job.id);
  expect(log).toContain('{"epoch": 2, "loss": 0.3333333333333333}');
  const listing = await jobs.call('GET', 'storage/endpoints/local/buckets/results/objects?prefix=run1/&delimiter=');
  expect(listing.data.objects.map((o: any) => o.key).sort()).toEqual(['run1/sub/note.txt', 'run1/weights.txt']);
  const weights = fs.readFileSync(path.join(svc.root, 'data', 'buckets', 'results', 'run1', 'weights.txt'), 'utf8');
  expect(weights).toBe('epochs=3\n');
});

test('a failing job is Failed with its exit code, and its outputs are still delivered', async () => {
  write('fail/run.sh', 'echo partial > "$ATELIER_OUTPUT_LOGS/partial.txt"\necho "about to fail" >&2\nexit 3\n');
  const job = await jobs.submit({
    name: 'fails',
    bootFile: 'fail/run.sh',
    outputs: [{ name: 'logs', uri: 'out/fail-logs' }]
  });
  const done = await jobs.waitFor(job.id);
  expect(done.status).toMatchObject({ phase: 'Failed', exitCode: 3, reason: 'The program exited with code 3.' });
  // It ran, however briefly: the timeline says so.
  expect(done.status.timeline.map((e: any) => e.phase)).toEqual(['Pending', 'Running', 'Failed']);
  expect(await jobs.log(job.id)).toContain('about to fail');
  expect(fs.readFileSync(path.join(svc.workspace, 'out', 'fail-logs', 'partial.txt'), 'utf8')).toBe('partial\n');
});

test('stop ends a job that ignores SIGTERM once the grace period is over', async () => {
  write(
    'stubborn/run.py',
    'import signal, time\nsignal.signal(signal.SIGTERM, lambda *a: print("ignoring SIGTERM", flush=True))\nprint("started", flush=True)\nwhile True:\n    time.sleep(0.1)\n'
  );
  const job = await jobs.submit({ name: 'stubborn', bootFile: 'stubborn/run.py' });
  await jobs.streamLog(job.id, text => text.includes('started'));
  const stopping = await jobs.call('POST', `jobs/${job.id}/stop`);
  expect(stopping.status).toBe(200);
  expect(stopping.data.status.phase).toBe('Stopping');
  const done = await jobs.waitFor(job.id);
  expect(done.status.phase).toBe('Stopped');
  expect(done.status.reason).toBe('Stopped by the user.');
  expect(await jobs.log(job.id)).toContain('ignoring SIGTERM');
  const pid = Number(done.status.externalId);
  expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  const again = await jobs.call('POST', `jobs/${job.id}/stop`);
  expect(again.status).toBe(409);
});

test('a notebook job executes headless with its parameter and keeps the executed notebook', async () => {
  const notebook = {
    cells: [
      {
        cell_type: 'code',
        metadata: { tags: ['parameters'] },
        source: 'rate = 0.1',
        outputs: [],
        execution_count: null
      },
      {
        cell_type: 'code',
        metadata: {},
        source: 'print("rate is", rate)\nresult = rate * 10\nresult',
        outputs: [],
        execution_count: null
      }
    ],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5
  };
  write('nb/experiment.ipynb', JSON.stringify(notebook));
  const job = await jobs.submit({
    name: 'nb-run',
    notebook: 'nb/experiment.ipynb',
    parameters: [{ name: 'rate', value: '0.5' }]
  });
  const done = await jobs.waitFor(job.id);
  expect(done.status.phase).toBe('Completed');
  expect(await jobs.log(job.id)).toContain('rate is 0.5');
  const executed = await jobs.call('GET', `jobs/${job.id}/files/output.ipynb`);
  expect(executed.status).toBe(200);
  const cells = executed.data.cells;
  expect(cells[1].metadata.tags).toEqual(['injected-parameters']);
  const result = cells[2].outputs.find((o: any) => o.output_type === 'execute_result');
  expect([].concat(result.data['text/plain']).join('')).toBe('5.0');
  expect((await jobs.call('GET', `jobs/${job.id}/files/job.json`)).status).toBe(404);
});

test('the code directory is snapshotted at submission; CPU affinity and memory follow the flavor', async () => {
  write(
    'snap/main.py',
    'import os, time\ntime.sleep(1)\nprint("version", open("version.txt").read(), "cpus", len(os.sched_getaffinity(0)))\n'
  );
  write('snap/version.txt', 'first');
  const job = await jobs.submit({ name: 'snap', bootFile: 'snap/main.py', flavorId: 'one' });
  write('snap/version.txt', 'second');
  const done = await jobs.waitFor(job.id);
  expect(done.status.phase).toBe('Completed');
  expect(await jobs.log(job.id)).toContain('version first cpus 1');

  // The "one" flavor has 256 MiB: a program that takes 600 MiB does not get it.
  write(
    'hog/hog.py',
    'x = bytearray(600 * 1024 * 1024)\nfor i in range(0, len(x), 4096):\n    x[i] = 1\nprint("got it all")\n'
  );
  const hog = await jobs.waitFor((await jobs.submit({ name: 'hog', bootFile: 'hog/hog.py', flavorId: 'one' })).id);
  expect(hog.status.phase).toBe('Failed');
  expect(await jobs.log(hog.id)).not.toContain('got it all');
});

test('bad requests get a 400 that names the field, and nothing is recorded', async () => {
  const before = (await jobs.call('GET', 'jobs')).data.jobs.length;
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ name: 'x' }, 'bootFile', /boot file, a notebook or a command/],
    [{ name: 'x', bootFile: '../etc/passwd.py' }, 'bootFile', /leaves the workspace/],
    [{ name: 'x', bootFile: 'missing.py' }, 'bootFile', /does not exist/],
    [{ name: 'x', command: 'true', flavorId: 'huge' }, 'flavorId', /no flavor "huge"/],
    [{ name: 'x', command: 'true', nodeCount: 2 }, 'invalid_request', /one node/],
    [
      { name: 'x', command: 'true', inputs: [{ name: 'data', uri: 'nowhere/at/all' }] },
      'inputs.data',
      /does not exist/
    ],
    [
      { name: 'x', command: 'true', outputs: [{ name: 'm', uri: 's3://BAD_bucket/x' }] },
      'outputs.m',
      /not a valid bucket/
    ]
  ];
  for (const [body, field, message] of cases) {
    const res = await jobs.call('POST', 'jobs', body);
    expect(res.status).toBe(400);
    expect(res.data.message).toMatch(message);
    expect(res.data.field ?? res.data.code).toBe(field);
  }
  const bad = await jobs.call('POST', 'jobs', { name: 'has space', command: 'true' });
  expect(bad.status).toBe(400);
  expect((await jobs.call('GET', 'jobs')).data.jobs.length).toBe(before);
});

test('inputs from storage are staged into the job and named by variables', async () => {
  const put = await fetch(
    `${svc.api}storage/endpoints/local/buckets/results/object?key=${encodeURIComponent('data/train.csv')}`,
    {
      method: 'PUT',
      body: 'a,b\n1,2\n'
    }
  );
  expect(put.status).toBeLessThan(300);
  write('io/read.sh', 'cat "$ATELIER_INPUT_DATA/train.csv"\nls "$ATELIER_INPUT_CONFIG"\n');
  write('io/config/settings.yaml', 'lr: 1\n');
  const job = await jobs.submit({
    name: 'inputs',
    bootFile: 'io/read.sh',
    inputs: [
      { name: 'data', uri: 's3://results/data/', endpoint: 'local' },
      { name: 'config', uri: 'io/config' }
    ]
  });
  const done = await jobs.waitFor(job.id);
  expect(done.status.phase).toBe('Completed');
  const log = await jobs.log(job.id);
  expect(log).toContain('a,b\n1,2\n');
  expect(log).toContain('settings.yaml');
});

test('a job that runs past its maximum runtime is stopped, with the reason', async () => {
  write('long/run.sh', 'echo "env token=${ATELIER_TOKEN:-unset} jupyter=${JUPYTER_TOKEN:-unset}"\nsleep 30\n');
  process.env.ATELIER_TOKEN = 'service-secret';
  process.env.JUPYTER_TOKEN = 'jupyter-secret';
  let job: any;
  try {
    job = await jobs.submit({ name: 'long', bootFile: 'long/run.sh', maxRuntimeMinutes: 0.02 });
    await jobs.streamLog(job.id, text => text.includes('env token'));
  } finally {
    delete process.env.ATELIER_TOKEN;
    delete process.env.JUPYTER_TOKEN;
  }
  const done = await jobs.waitFor(job.id);
  expect(done.status.phase).toBe('Stopped');
  expect(done.status.reason).toBe('The job exceeded its maximum runtime of 0.02 minutes.');
  expect(done.status.duration).toBeLessThan(10);
  // The service's own secrets do not reach jobs.
  expect(await jobs.log(job.id)).toContain('env token=unset jupyter=unset');
});

test('the events stream tells of every change of a job', async () => {
  const events: any[] = [];
  const controller = new AbortController();
  const reading = (async () => {
    const res = await fetch(`${svc.api}jobs/events`, {
      signal: controller.signal,
      headers: { Accept: 'text/event-stream' }
    });
    const reader = res.body!.getReader();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      text += Buffer.from(value).toString('utf8');
      for (const match of text.matchAll(/event: job\ndata: (.*)\n\n/g)) {
        events.push(JSON.parse(match[1]));
      }
      text = text.slice(text.lastIndexOf('\n\n') + 2);
    }
  })().catch(() => undefined);
  await new Promise(resolve => setTimeout(resolve, 200));
  const job = await jobs.submit({ name: 'evented', command: 'echo hi' });
  await jobs.waitFor(job.id);
  await new Promise(resolve => setTimeout(resolve, 200));
  controller.abort();
  await reading;
  const phases = events.filter(e => e.id === job.id).map(e => e.status.phase);
  expect(phases[0]).toBe('Pending');
  expect(phases[phases.length - 1]).toBe('Completed');
});

test('logs read in small pieces never cut a character', async () => {
  const job = await jobs.submit({ name: 'unicode', command: "printf 'héllo wörld ✓ 训练 🚀\\n'" });
  await jobs.waitFor(job.id);
  let offset = 0;
  let text = '';
  for (let i = 0; i < 100; i++) {
    const chunk = (await jobs.call('GET', `jobs/${job.id}/logs?offset=${offset}&limit=3`)).data;
    expect(chunk.text).not.toContain('\uFFFD');
    text += chunk.text;
    if (chunk.complete) {
      break;
    }
    offset = chunk.nextOffset;
  }
  expect(text).toContain('héllo wörld ✓ 训练 🚀\n');
});

test('a job stopped while its inputs download never starts', async () => {
  const big = path.join(svc.root, 'data', 'buckets', 'results', 'huge', 'input.bin');
  fs.mkdirSync(path.dirname(big), { recursive: true });
  const fd = fs.openSync(big, 'w');
  const block = Buffer.alloc(8 * 1024 * 1024, 7);
  for (let i = 0; i < 96; i++) {
    fs.writeSync(fd, block);
  }
  fs.closeSync(fd);
  const job = await jobs.submit({
    name: 'never',
    command: 'echo "the program ran"',
    inputs: [{ name: 'data', uri: 's3://results/huge/', endpoint: 'local' }]
  });
  await jobs.waitFor(job.id, ['Pending'], 10000);
  const deadline = Date.now() + 10000;
  while ((await jobs.get(job.id)).status.message !== 'Preparing inputs' && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  expect((await jobs.call('POST', `jobs/${job.id}/stop`)).status).toBe(200);
  const done = await jobs.waitFor(job.id);
  expect(done.status).toMatchObject({ phase: 'Stopped', reason: 'Stopped by the user.' });
  expect(done.status.externalId).toBeUndefined();
  expect(await jobs.log(job.id)).not.toContain('the program ran');
  fs.rmSync(path.dirname(big), { recursive: true, force: true });
});
