/*
 * Training metrics: the charts of a job's detail view and of a comparison, the comparison's
 * settings table, and the picker of jobs to compare.
 */
import type { Locator } from '@playwright/test';
import { AnyPage, attr } from './common';

/** The metrics charts inside `root` (a detail view or a comparison). */
export class MetricCharts {
  constructor(readonly root: Locator) {}

  /** The card of one metric: its name, chart and table. */
  chart(name: string): Locator {
    return this.root.locator(`.jp-Atelier-Metrics-chart[data-metric=${attr(name)}]`);
  }

  /** The SVG that JupyterLab's Vega-Lite renderer drew for the metric. */
  svg(name: string): Locator {
    return this.chart(name).locator('.jp-RenderedVegaLite svg.marks');
  }

  /** The lines of the chart (one per job). */
  lines(name: string): Locator {
    return this.svg(name).locator('.mark-line path');
  }

  /** The points of the chart, each labelled with its values ("step: 3; value: 0.25"). */
  points(name: string): Locator {
    return this.svg(name).locator('.mark-symbol path');
  }

  /** The legend's labels (a comparison names each job). */
  legend(name: string): Locator {
    return this.svg(name).locator('.role-legend .role-legend-label text');
  }

  /** The table of the metric's values, opened if it is folded under the chart. */
  async table(name: string): Promise<Locator> {
    const details = this.chart(name).locator('details.jp-Atelier-Metrics-details');
    if ((await details.count()) && !(await details.getAttribute('open'))) {
      await details.locator('summary').click();
    }
    return this.chart(name).locator('table');
  }
}

/** The comparison of jobs in the main area. */
export class JobCompare {
  readonly locator: Locator;
  readonly charts: MetricCharts;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator('.jp-Atelier-Compare');
    this.charts = new MetricCharts(this.locator);
  }

  /** The row of a setting: `flavor`, `program`, `parameter:<name>`, `env:<NAME>`. */
  row(key: string): Locator {
    return this.locator.locator(`.jp-Atelier-Compare-table tr[data-row=${attr(key)}]`);
  }

  /** The column heads, one per job. */
  get jobs(): Locator {
    return this.locator.locator('.jp-Atelier-Compare-table thead th[data-job-id]');
  }
}

/** The dialog that asks which jobs to compare. */
export class JobPicker {
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator('.jp-Dialog').filter({ has: page.locator('.jp-Atelier-JobPicker') });
  }

  /** The jobs offered, in order. */
  get items(): Locator {
    return this.locator.locator('.jp-Atelier-JobPicker-list li');
  }

  /** The check box of the job `id`. */
  checkbox(id: string): Locator {
    return this.items.filter({ hasText: id }).locator('input[type="checkbox"]');
  }

  async accept(): Promise<void> {
    await this.locator.getByRole('button', { name: 'Compare' }).click();
  }
}

/** Runs a JupyterLab command in the page, as the palette would. */
export async function runCommand(page: AnyPage, id: string, args: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    async ({ id, args }) => {
      await (window as any).jupyterapp.commands.execute(id, args);
    },
    { id, args }
  );
}
