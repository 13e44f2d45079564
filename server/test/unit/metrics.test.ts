import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  JobMetricsStore,
  METRICS_FILE,
  METRICS_LIMITS,
  MetricSeries,
  parseFileLine,
  parseLogLine
} from '../../src/jobs/metrics';

describe('the log grammar', () => {
  it.each([
    [
      'epoch 3: loss=0.25 acc=0.91',
      {
        step: 3,
        values: [
          ['loss', 0.25],
          ['acc', 0.91]
        ]
      }
    ],
    ['step 10 loss: 0.3', { step: 10, values: [['loss', 0.3]] }],
    [
      'loss=0.25, acc=0.91',
      {
        values: [
          ['loss', 0.25],
          ['acc', 0.91]
        ]
      }
    ],
    [
      'Epoch [3/10] train/loss: 1.5e-2 | val_acc: 91.5%',
      {
        step: 3,
        values: [
          ['train/loss', 0.015],
          ['val_acc', 91.5]
        ]
      }
    ],
    [
      'Epoch 2/5 - loss: 0.5 - accuracy: 0.8',
      {
        step: 2,
        values: [
          ['loss', 0.5],
          ['accuracy', 0.8]
        ]
      }
    ],
    [
      'step=7 lr=-1e-3;loss=.5',
      {
        step: 7,
        values: [
          ['lr', -0.001],
          ['loss', 0.5]
        ]
      }
    ],
    ['iteration: 12, loss: 2.', { step: 12, values: [['loss', 2]] }],
    ['it finished, loss=0.125.', { values: [['loss', 0.125]] }],
    [
      "{'loss': 0.25, 'learning_rate': 5e-05, 'epoch': 0.5}",
      {
        step: 0.5,
        values: [
          ['loss', 0.25],
          ['learning_rate', 5e-5]
        ]
      }
    ],
    ['{"epoch": 2, "loss": 0.3333333333333333}', { step: 2, values: [['loss', 0.3333333333333333]] }],
    [
      'Epoch 1: 100%|██████| 10/10 [00:01<00:00, 9.1it/s, loss=0.25, acc=0.5]',
      {
        step: 1,
        values: [
          ['loss', 0.25],
          ['acc', 0.5]
        ]
      }
    ]
  ])('reads %j', (line, expected) => {
    expect(parseLogLine(line)).toEqual(expected);
  });

  it.each([
    'Epoch 3/10',
    'Downloading https://example.org:8080/data.csv',
    '2024-01-01 12:00:03,123 INFO starting',
    'loss=nan acc=inf',
    'version: 3.11.2',
    'path=/tmp/x, name: model',
    'ratio=1:2',
    ''
  ])('finds nothing in %j', line => {
    expect(parseLogLine(line)).toBeNull();
  });

  it('reads only the first 4 KiB of a line', () => {
    const line = `loss=1 ${'x'.repeat(METRICS_LIMITS.logLine)} acc=2`;
    expect(parseLogLine(line)).toEqual({ values: [['loss', 1]] });
  });
});

describe('the metrics file', () => {
  it('takes the step and every finite number of a JSON object', () => {
    expect(parseFileLine('{"step": 3, "loss": 0.25, "acc": 0.9, "note": "x", "bad": null, "ok": true}')).toEqual({
      step: 3,
      values: [
        ['loss', 0.25],
        ['acc', 0.9]
      ]
    });
    expect(parseFileLine('{"loss": 1}')).toEqual({ values: [['loss', 1]] });
    expect(parseFileLine('{"step": 1}')).toBeNull();
    expect(parseFileLine('[1, 2]')).toBeNull();
    expect(parseFileLine('{"loss": 1')).toBeNull();
  });
});

describe('a series', () => {
  it('counts steps on where none is given, and a value at the last step replaces it', () => {
    const series = new MetricSeries('loss');
    series.add(0.9);
    series.add(0.8);
    series.add(0.7, 10);
    series.add(0.6, 10);
    series.add(0.5);
    expect(series.points()).toEqual([
      { step: 1, value: 0.9 },
      { step: 2, value: 0.8 },
      { step: 10, value: 0.6 },
      { step: 11, value: 0.5 }
    ]);
    expect(series.reported).toBe(4);
  });

  it('keeps at most its limit of points, spread over the whole run, and always the latest', () => {
    const series = new MetricSeries('loss', 100);
    for (let step = 0; step < 100000; step++) {
      series.add(step * 2, step);
    }
    const points = series.points();
    expect(points.length).toBeLessThanOrEqual(101);
    expect(points.length).toBeGreaterThan(50);
    expect(points[0]).toEqual({ step: 0, value: 0 });
    expect(points[points.length - 1]).toEqual({ step: 99999, value: 199998 });
    // Evenly spaced: one stride between every two kept points before the latest.
    const gaps = new Set(points.slice(1, -1).map((p, i) => p.step - points[i].step));
    expect(gaps.size).toBe(1);
    expect(series.reported).toBe(100000);
  });
});

describe('reading a job folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-metrics-'));
    fs.mkdirSync(path.join(dir, 'logs'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const log = (text: string) => fs.appendFileSync(path.join(dir, 'logs', 'output.log'), text);
  const file = (text: string) => fs.appendFileSync(path.join(dir, METRICS_FILE), text);
  const values = (m: { series: { name: string; points: { step: number; value: number }[] }[] }) =>
    Object.fromEntries(m.series.map(s => [s.name, s.points.map(p => [p.step, p.value])]));

  it('reads on from where it stopped, a line once it has ended, and the last line once the job has finished', async () => {
    const store = new JobMetricsStore();
    expect(await store.read('a', dir, false)).toEqual({ series: [], revision: 0, complete: false });
    log('starting\nepoch 1: loss=0.5\nepoch 2: lo');
    file('{"step": 1, "f1": 0.25}\n{"step": 2, "f1"');
    const first = await store.read('a', dir, false);
    expect(values(first)).toEqual({ loss: [[1, 0.5]], f1: [[1, 0.25]] });
    expect(first.revision).toBe(1);
    // Nothing new: the same revision.
    expect((await store.read('a', dir, false)).revision).toBe(1);
    log('ss=0.25\rEpoch 3: loss=0.125');
    file(': 0.5}\n');
    const second = await store.read('a', dir, false);
    expect(values(second)).toEqual({
      loss: [
        [1, 0.5],
        [2, 0.25]
      ],
      f1: [
        [1, 0.25],
        [2, 0.5]
      ]
    });
    expect(second.revision).toBe(2);
    const last = await store.read('a', dir, true);
    expect(values(last).loss).toEqual([
      [1, 0.5],
      [2, 0.25],
      [3, 0.125]
    ]);
    expect(last.complete).toBe(true);
  });

  it('skips a line longer than a read without holding it', async () => {
    const store = new JobMetricsStore();
    log(`loss=1\n${'x=1 '.repeat(METRICS_LIMITS.chunk / 2)}`);
    expect(values(await store.read('b', dir, false))).toEqual({ loss: [[1, 1]] });
    log(' y=2\nloss=2\n');
    const read = await store.read('b', dir, false);
    expect(values(read)).toEqual({
      loss: [
        [1, 1],
        [2, 2]
      ]
    });
  });

  it('keeps at most its limit of metrics per job', async () => {
    const store = new JobMetricsStore();
    log(
      Array.from({ length: METRICS_LIMITS.metrics + 10 }, (_, i) => `m${i}=${i}`)
        .join(' ')
        .concat('\n')
    );
    expect((await store.read('c', dir, true)).series).toHaveLength(METRICS_LIMITS.metrics);
  });
});
