/*
 * Training metrics as a person sees them: a running job's charts fill as it prints, in the
 * light and the dark theme, and two runs compare (a line each, the differing hyperparameter
 * marked).
 */
import * as path from 'path';
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Atelier } from './atelier';
import { JobCompare, JobPicker, MetricCharts, runCommand } from './pages/metrics';

/** A training script: prints two metrics per epoch, writes a third with the helper of docs/jobs.md, and waits for `gate` before its last epoch. */
const TRAIN = [
  'import json, os, sys, time',
  'def log_metrics(step, **values):',
  '    with open(os.environ.get("ATELIER_METRICS_FILE", "metrics.jsonl"), "a") as f:',
  '        f.write(json.dumps({"step": step, **values}) + "\\n")',
  '',
  'gate = sys.argv[1].split("=", 1)[1]',
  'for epoch, loss in [(1, 0.5), (2, 0.25)]:',
  '    print(f"epoch {epoch}: loss={loss} acc={1 - loss / 2}", flush=True)',
  '    log_metrics(epoch, val_loss=loss * 1.5)',
  'while not os.path.exists(gate):',
  '    time.sleep(0.1)',
  'print("epoch 3: loss=0.125 acc=0.9375", flush=True)'
].join('\n');

/** The colour an SVG text is drawn in, and the theme's colour for it, as the browser computes both. */
async function colours(page: IJupyterLabPageFixture, text: ReturnType<MetricCharts['svg']>, variable: string) {
  const fill = await text.evaluate(el => getComputedStyle(el).fill);
  const theme = await page.evaluate(name => {
    const probe = document.createElement('span');
    probe.style.color = `var(${name})`;
    document.body.appendChild(probe);
    const colour = getComputedStyle(probe).color;
    probe.remove();
    return colour;
  }, variable);
  return { fill, theme };
}

test.describe('Training metrics', () => {
  for (const theme of ['light', 'dark'] as const) {
    test(`a running job's metrics are charted as it prints them (${theme})`, async ({ page, request, tmpPath }) => {
      const atelier = new Atelier(page, request);
      const { jobDetail: detail } = atelier;
      const charts = new MetricCharts(detail.locator);
      await atelier.api.workspace.putFile(`${tmpPath}/train.py`, TRAIN);
      const gate = `${tmpPath}/gate-${theme}`;
      const created = await atelier.api.post('jobs', {
        name: `metrics-${theme}`,
        bootFile: `${tmpPath}/train.py`,
        // The workspace of the served JupyterLab (playwright.config.js), where the test puts the gate.
        parameters: [{ name: 'gate', value: path.resolve(__dirname, '..', 'build', 'run', 'work', gate) }]
      });
      expect(created.status()).toBe(201);
      const job = await created.json();
      await atelier.loaded();
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await runCommand(page, 'atelier:jobs-open', { id: job.id });
      await expect(detail.title).toHaveText(`metrics-${theme}`);
      // The code directory the job copied, not a placeholder.
      await expect(detail.locator.locator('.jp-Atelier-JobDetail-codeDir')).toHaveText(`${tmpPath}/`);

      // While the job runs and waits: a chart per metric, drawn by JupyterLab's Vega-Lite renderer.
      await expect(charts.points('loss')).toHaveCount(2, { timeout: 60000 });
      await expect(detail.phase).toHaveText('Running');
      await expect(charts.lines('loss')).toHaveCount(1);
      await expect(charts.points('acc')).toHaveCount(2);
      await expect(charts.points('val_loss')).toHaveCount(2);
      await expect(charts.chart('loss').locator('figcaption')).toContainText('0.25');
      // The same numbers in the table under the chart.
      const table = await charts.table('loss');
      await expect(table.locator('tbody tr')).toHaveText([/^1\s*0\.5$/, /^2\s*0\.25$/]);
      await expect(await charts.table('val_loss')).toContainText('0.375');

      // In the theme's colours: the axis labels are drawn in the theme's secondary text colour.
      const axisLabel = charts.svg('loss').locator('.role-axis-label text').first();
      const { fill, theme: expected } = await colours(page, axisLabel, '--jp-ui-font-color2');
      expect(fill).toBe(expected);
      // ...at the theme's small font size, not shrunk to nothing.
      expect((await axisLabel.boundingBox())!.height).toBeGreaterThanOrEqual(8);
      const light = await page.evaluate(() => document.body.dataset.jpThemeLight);
      expect(light).toBe(theme === 'light' ? 'true' : 'false');

      // The job goes on: its last epoch arrives in the chart and the table.
      await atelier.api.workspace.putFile(gate, '');
      await expect(charts.points('loss')).toHaveCount(3, { timeout: 60000 });
      await expect(table.locator('tbody tr')).toHaveText([/^1\s*0\.5$/, /^2\s*0\.25$/, /^3\s*0\.125$/]);
      await expect(detail.phase).toHaveText('Completed', { timeout: 60000 });
    });
  }

  test('two runs compare: a line each, and the hyperparameter that differs is marked', async ({ page, request }) => {
    const atelier = new Atelier(page, request);
    const compare = new JobCompare(page);
    const picker = new JobPicker(page);
    const ids: string[] = [];
    for (const [lr, losses] of [
      ['0.1', [0.5, 0.25]],
      ['0.01', [0.75, 0.5]]
    ] as const) {
      const created = await atelier.api.post('jobs', {
        name: 'compare-lr',
        command: losses.map((loss, i) => `echo "epoch ${i + 1}: loss=${loss}"`).join('; '),
        parameters: [{ name: 'lr', value: lr }],
        environments: { SEED: '7' }
      });
      expect(created.status()).toBe(201);
      ids.push((await created.json()).id);
    }
    const other = await atelier.api.post('jobs', { name: 'unrelated', command: 'true' });
    expect(other.status()).toBe(201);
    const unrelated = (await other.json()).id;
    for (const id of ids) {
      await expect
        .poll(async () => (await atelier.api.get(`jobs/${id}`)).status.phase, { timeout: 60000 })
        .toBe('Completed');
    }
    await atelier.loaded();

    // From the first run's detail view: Compare… offers the runs of the same name first.
    await runCommand(page, 'atelier:jobs-open', { id: ids[0] });
    await atelier.jobDetail.button('Compare…').click();
    await expect(picker.items.first()).toContainText('compare-lr');
    await expect(picker.items.nth(1)).toContainText('compare-lr');
    await expect(picker.items.filter({ hasText: unrelated })).toHaveCount(1);
    await expect(picker.checkbox(ids[0])).toBeChecked();
    await picker.checkbox(ids[1]).check();
    await picker.accept();

    // A column per job, the differing hyperparameter marked, the same settings not.
    await expect(compare.jobs).toHaveCount(2);
    await expect(compare.row('parameter:lr')).toHaveClass(/jp-mod-differs/);
    await expect(compare.row('parameter:lr')).toContainText('differs');
    const columns = await compare.jobs.evaluateAll(heads => heads.map(h => (h as HTMLElement).dataset.jobId));
    expect([...columns].sort()).toEqual([...ids].sort());
    await expect(compare.row('parameter:lr').locator('td')).toHaveText(
      columns.map(id => (id === ids[0] ? '0.1' : '0.01'))
    );
    await expect(compare.row('env:SEED')).not.toHaveClass(/jp-mod-differs/);
    await expect(compare.row('flavor')).not.toHaveClass(/jp-mod-differs/);
    // Marked in the theme's own pairing of text and shade (readable in light and dark alike).
    const cell = await compare
      .row('parameter:lr')
      .locator('td')
      .first()
      .evaluate(el => {
        const probe = (name: string, property: 'color' | 'backgroundColor') => {
          const span = document.createElement('span');
          span.style[property] = `var(${name})`;
          document.body.appendChild(span);
          const value = getComputedStyle(span)[property];
          span.remove();
          return value;
        };
        const style = getComputedStyle(el);
        return {
          color: [style.color, probe('--jp-ui-font-color0', 'color')],
          background: [style.backgroundColor, probe('--jp-layout-color2', 'backgroundColor')]
        };
      });
    expect(cell.color[0]).toBe(cell.color[1]);
    expect(cell.background[0]).toBe(cell.background[1]);

    // One chart for loss, a line per job, the legend naming each by name and id.
    await expect(compare.charts.lines('loss')).toHaveCount(2, { timeout: 30000 });
    await expect(compare.charts.legend('loss')).toHaveText(ids.map(id => `compare-lr (${id})`).sort());
    expect((await compare.charts.legend('loss').first().boundingBox())!.height).toBeGreaterThanOrEqual(8);
    const table = await compare.charts.table('loss');
    await expect(table.locator('tbody tr')).toHaveText([
      /^1\s*(0\.5\s*0\.75|0\.75\s*0\.5)$/,
      /^2\s*(0\.25\s*0\.5|0\.5\s*0\.25)$/
    ]);
  });
});
