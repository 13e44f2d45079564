import * as React from 'react';
import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { IJob } from '../api/client';
import { parameterRows, runLabel } from '../jobs/compare';
import { codeDirLabel } from '../jobs/describe';
import { canChart, MetricCharts, VEGALITE_MIME } from '../jobs/metrics';

const trans = nullTranslator.load('jupyterlab_atelier');

function job(id: string, extra: { parameters?: [string, string][]; env?: Record<string, string> } = {}): IJob {
  return {
    id,
    kind: 'job',
    metadata: { name: 'train', createdAt: '2026-01-01T00:00:00.000Z' },
    spec: {
      name: 'train',
      bootFile: 'notebooks/train.py',
      parameters: (extra.parameters ?? []).map(([name, value]) => ({ name, value })),
      environments: extra.env ?? {},
      inputs: [],
      outputs: [],
      nodeCount: 1
    },
    program: { codeDir: 'notebooks', bootFile: 'train.py' },
    flavor: { id: 'small', name: 'Small', cpus: 1, memoryMiB: 1024, gpus: 0, selectable: true },
    executor: 'local',
    status: { phase: 'Completed', duration: 1, timeline: [] }
  } as IJob;
}

describe('the comparison', () => {
  it('marks the settings whose values differ, and only those', () => {
    const rows = parameterRows(
      [
        job('a', { parameters: [['lr', '0.1']], env: { SEED: '7' } }),
        job('b', {
          parameters: [
            ['lr', '0.01'],
            ['epochs', '3']
          ],
          env: { SEED: '7' }
        })
      ],
      trans
    );
    const byKey = Object.fromEntries(rows.map(r => [r.key, r]));
    expect(byKey['parameter:lr']).toMatchObject({ label: '--lr', values: ['0.1', '0.01'], differs: true });
    expect(byKey['parameter:epochs']).toMatchObject({ values: [undefined, '3'], differs: true });
    expect(byKey['env:SEED']).toMatchObject({ values: ['7', '7'], differs: false });
    expect(byKey['flavor'].differs).toBe(false);
    expect(byKey['codeDir']).toMatchObject({ values: ['notebooks/', 'notebooks/'], differs: false });
    // No image given to either: no row.
    expect(byKey['image']).toBeUndefined();
    expect(runLabel(job('a'))).toBe('train (a)');
  });
});

describe('the code directory', () => {
  it('reads as the folder the job copied', () => {
    const base = job('a');
    expect(codeDirLabel(base, trans)).toBe('notebooks/');
    expect(codeDirLabel({ ...base, program: { codeDir: '' } }, trans)).toBe('(workspace root)');
    expect(codeDirLabel({ ...base, program: { codeDir: null } }, trans)).toBe('(none: nothing was copied)');
    // Jobs recorded before the service kept it: as it was chosen then.
    expect(codeDirLabel({ ...base, program: undefined }, trans)).toBe('notebooks/');
    expect(codeDirLabel({ ...base, program: undefined, spec: { ...base.spec, bootFile: 'train.py' } }, trans)).toBe(
      '(workspace root)'
    );
  });
});

describe('the metrics without a Vega-Lite renderer', () => {
  it('are tables of the same numbers, one per metric', async () => {
    const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
    expect(canChart(rendermime)).toBe(false);
    expect(rendermime.mimeTypes).not.toContain(VEGALITE_MIME);
    const metrics = {
      revision: 2,
      complete: true,
      series: [
        {
          name: 'loss',
          reported: 2,
          points: [
            { step: 1, value: 0.5 },
            { step: 2, value: 0.25 }
          ]
        },
        { name: 'acc', reported: 1, points: [{ step: 1, value: 0.123456789 }] }
      ]
    };
    const widget = ReactWidget.create(
      <MetricCharts runs={[{ id: 'a', label: 'train (a)', metrics }]} rendermime={rendermime} trans={trans} />
    );
    Widget.attach(widget, document.body);
    const host = widget.node;
    for (let i = 0; i < 100 && !host.querySelector('tbody tr'); i++) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    const tables = [...host.querySelectorAll('.jp-Atelier-Metrics-chart')].map(card => [
      card.getAttribute('data-metric'),
      [...card.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(c => c.textContent))
    ]);
    expect(tables).toEqual([
      [
        'loss',
        [
          ['1', '0.5'],
          ['2', '0.25']
        ]
      ],
      ['acc', [['1', '0.123457']]]
    ]);
    expect(host.querySelector('details')).toBeNull();
    widget.dispose();
  });
});
