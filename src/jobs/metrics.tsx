/**
 * Training metrics as charts: one chart per metric, one line per job, drawn by JupyterLab's own
 * Vega-Lite renderer (the vega5 extension's, through the rendermime registry) in the colours
 * and fonts of the theme, with a table of the same numbers under each chart; where no Vega-Lite
 * renderer is installed, the tables alone.
 */
import * as React from 'react';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { IJobMetrics, IMetricSeries } from '../api/client';
import type { IAtelierClient } from '../tokens';
import { follow } from './follow';

/** The Vega-Lite MIME type JupyterLab 4's vega5 extension renders (it also takes v3 and v4). */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** A chart is drawn again at most this often while its job runs. */
const REDRAW_MS = 1000;
/** Points are marked while every line has at most this many. */
const MARK_POINTS = 60;

/** One job whose metrics are shown. */
export interface IRun {
  id: string;
  /** How the legend and the table name it: its name and id. */
  label: string;
  metrics: IJobMetrics | null;
}

/**
 * Follows a job's metrics through the event stream: at once, then as they change, until the job
 * has finished and all was sent; a broken stream is opened again.
 */
export function useMetrics(client: IAtelierClient, id: string): { metrics: IJobMetrics | null; error: string } {
  const [state, setState] = React.useState<{ metrics: IJobMetrics | null; error: string }>({
    metrics: null,
    error: ''
  });
  React.useEffect(
    () =>
      follow(
        async signal => {
          const ended = await client.jobMetricsEvents(id, metrics => setState({ metrics, error: '' }), signal);
          return ended ? null : 1000;
        },
        e => setState(s => ({ ...s, error: e.message }))
      ),
    [id]
  );
  return state;
}

/** The theme's name, following its changes (charts take their colours from it). */
function useTheme(): string {
  const read = () => `${document.body.dataset.jpThemeName ?? ''}:${document.body.dataset.jpThemeLight ?? ''}`;
  const [theme, setTheme] = React.useState(read);
  React.useEffect(() => {
    const observer = new MutationObserver(() => setTheme(read()));
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
    });
    return () => observer.disconnect();
  }, []);
  return theme;
}

/** A font size of the theme in pixels (the variables are in px or em). */
function fontPixels(variable: string, fallback: number): number {
  const probe = document.createElement('span');
  probe.style.fontSize = `var(${variable})`;
  document.body.appendChild(probe);
  const size = parseFloat(getComputedStyle(probe).fontSize);
  probe.remove();
  return size > 0 ? size : fallback;
}

/** Vega's configuration from the theme's CSS variables: its fonts, text, border and accent colours. */
function themeConfig(runs: number): ReadonlyPartialJSONObject {
  const css = getComputedStyle(document.body);
  const v = (name: string) => css.getPropertyValue(name).trim();
  const font = v('--jp-ui-font-family');
  const size = fontPixels('--jp-ui-font-size1', 13);
  const small = fontPixels('--jp-ui-font-size0', 11);
  const text = v('--jp-ui-font-color1');
  const muted = v('--jp-ui-font-color2');
  const palette = [
    '--jp-brand-color1',
    '--jp-warn-color1',
    '--jp-success-color1',
    '--jp-error-color1',
    '--jp-info-color1'
  ]
    .map(v)
    .filter(Boolean);
  return {
    background: 'transparent',
    font,
    view: { stroke: 'transparent' },
    axis: {
      labelColor: muted,
      titleColor: text,
      gridColor: v('--jp-border-color2'),
      domainColor: v('--jp-border-color1'),
      tickColor: v('--jp-border-color1'),
      labelFont: font,
      titleFont: font,
      labelFontSize: small,
      titleFontSize: size,
      titleFontWeight: 'normal'
    },
    legend: {
      labelColor: text,
      titleColor: text,
      labelFont: font,
      titleFont: font,
      labelFontSize: small,
      labelLimit: 0
    },
    range: runs <= palette.length ? { category: palette } : { category: { scheme: 'tableau10' } },
    line: { strokeWidth: 2 }
  };
}

/** The Vega-Lite spec of one metric: a line per run over the steps. */
export function chartSpec(
  name: string,
  runs: IRun[],
  trans: TranslationBundle,
  theme: string
): ReadonlyPartialJSONObject {
  void theme; // the spec is made again when the theme changes, with its colours
  const values: { run: string; step: number; value: number }[] = [];
  let most = 0;
  let whole = true;
  for (const run of runs) {
    const points = run.metrics?.series.find(s => s.name === name)?.points ?? [];
    most = Math.max(most, points.length);
    for (const p of points) {
      values.push({ run: run.label, step: p.step, value: p.value });
      whole &&= Number.isInteger(p.step);
    }
  }
  const size = fontPixels('--jp-ui-font-size1', 13);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: trans.__('%1 by step', name),
    width: 'container',
    height: Math.round(size * 13),
    data: { values },
    mark: { type: 'line', point: most <= MARK_POINTS, tooltip: true },
    encoding: {
      x: {
        field: 'step',
        type: 'quantitative',
        title: trans.__('Step'),
        axis: whole ? { tickMinStep: 1, format: 'd' } : {}
      },
      y: { field: 'value', type: 'quantitative', title: name, scale: { zero: false } },
      color: {
        field: 'run',
        type: 'nominal',
        title: trans.__('Job'),
        legend: runs.length > 1 ? { orient: 'bottom', direction: 'vertical' } : null
      },
      tooltip: [
        { field: 'run', type: 'nominal', title: trans.__('Job') },
        { field: 'step', type: 'quantitative', title: trans.__('Step') },
        { field: 'value', type: 'quantitative', title: name, format: '.6~g' }
      ]
    },
    config: themeConfig(runs.length)
  } as ReadonlyPartialJSONObject;
}

/** Whether the registry has a renderer for Vega-Lite (JupyterLab's vega5 extension is enabled). */
export function canChart(rendermime: IRenderMimeRegistry | null): rendermime is IRenderMimeRegistry {
  return !!rendermime && rendermime.mimeTypes.includes(VEGALITE_MIME);
}

/**
 * One Vega-Lite spec drawn by the registry's renderer; a newer spec is drawn at most once a
 * second, in place (the chart keeps its height meanwhile, so the page does not jump).
 */
function VegaChart(props: { rendermime: IRenderMimeRegistry; spec: ReadonlyPartialJSONObject }): JSX.Element {
  const host = React.useRef<HTMLDivElement>(null);
  const renderer = React.useRef<IRenderMime.IRenderer | null>(null);
  const drawing = React.useRef({ busy: false, next: null as ReadonlyPartialJSONObject | null, last: 0 });
  const [error, setError] = React.useState('');

  React.useEffect(() => {
    const widget = props.rendermime.createRenderer(VEGALITE_MIME);
    widget.addClass('jp-Atelier-Metrics-vega');
    host.current!.appendChild(widget.node);
    renderer.current = widget;
    return () => {
      renderer.current = null;
      widget.dispose();
    };
  }, [props.rendermime]);

  React.useEffect(() => {
    const state = drawing.current;
    state.next = props.spec;
    const draw = async (): Promise<void> => {
      const widget = renderer.current;
      if (state.busy || !widget || !state.next) {
        return;
      }
      const wait = state.last + REDRAW_MS - Date.now();
      if (wait > 0) {
        state.busy = true;
        setTimeout(() => {
          state.busy = false;
          void draw();
        }, wait);
        return;
      }
      const spec = state.next;
      state.next = null;
      state.busy = true;
      const node = host.current;
      if (node) {
        node.style.minHeight = `${node.offsetHeight}px`;
      }
      try {
        await widget.renderModel(
          new MimeModel({
            data: { [VEGALITE_MIME]: spec },
            metadata: {
              [VEGALITE_MIME]: {
                embed_options: {
                  renderer: 'svg',
                  actions: { export: true, source: false, compiled: false, editor: false }
                }
              }
            }
          })
        );
        setError('');
      } catch (e) {
        setError((e as Error).message);
      } finally {
        state.busy = false;
        state.last = Date.now();
        if (node) {
          node.style.minHeight = '';
        }
      }
      if (state.next && renderer.current === widget) {
        void draw();
      }
    };
    void draw();
  }, [props.spec]);

  return (
    <>
      <div ref={host} className="jp-Atelier-Metrics-plot" />
      {error && (
        <div className="jp-Atelier-JobForm-error" role="alert">
          {error}
        </div>
      )}
    </>
  );
}

/** The numbers of one metric: a row per step, a column per run. */
function MetricTable(props: { name: string; runs: IRun[]; trans: TranslationBundle }): JSX.Element {
  const { name, runs, trans } = props;
  const rows = React.useMemo(() => {
    const byStep = new Map<number, (number | undefined)[]>();
    runs.forEach((run, i) => {
      for (const p of run.metrics?.series.find(s => s.name === name)?.points ?? []) {
        let row = byStep.get(p.step);
        if (!row) {
          row = new Array(runs.length).fill(undefined);
          byStep.set(p.step, row);
        }
        row[i] = p.value;
      }
    });
    return [...byStep.entries()].sort((a, b) => a[0] - b[0]);
  }, [name, runs]);
  return (
    <div className="jp-Atelier-Metrics-tableBox" tabIndex={0} role="region" aria-label={trans.__('Values of %1', name)}>
      <table className="jp-Atelier-Metrics-table">
        <thead>
          <tr>
            <th scope="col">{trans.__('Step')}</th>
            {runs.map(run => (
              <th scope="col" key={run.id}>
                {runs.length > 1 ? run.label : name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([step, values]) => (
            <tr key={step}>
              <th scope="row">{formatNumber(step)}</th>
              {values.map((value, i) => (
                <td key={runs[i].id}>{value === undefined ? '' : formatNumber(value)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A number as the tables show it: at most 6 significant digits. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/** The latest value of a series, for the chart's heading. */
function latest(series: IMetricSeries | undefined): string {
  const last = series?.points[series.points.length - 1];
  return last ? formatNumber(last.value) : '';
}

/** The metrics of one or more runs: a chart (or, without a renderer, a table) per metric. */
export function MetricCharts(props: {
  runs: IRun[];
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { runs, rendermime, trans } = props;
  const theme = useTheme();
  const names: string[] = [];
  for (const run of runs) {
    for (const series of run.metrics?.series ?? []) {
      if (!names.includes(series.name)) {
        names.push(series.name);
      }
    }
  }
  if (!names.length) {
    return (
      <p className="jp-Atelier-Metrics-empty">
        {runs.some(r => !r.metrics)
          ? trans.__('Loading…')
          : trans.__(
              'No metrics yet. Print lines such as "epoch 3: loss=0.25 acc=0.91", or write them to the metrics file (ATELIER_METRICS_FILE): see "Metrics" in the jobs guide.'
            )}
      </p>
    );
  }
  const charts = canChart(rendermime);
  return (
    <div className="jp-Atelier-Metrics-grid">
      {names.map(name => (
        <MetricCard
          key={name}
          name={name}
          runs={runs}
          rendermime={charts ? rendermime : null}
          trans={trans}
          theme={theme}
        />
      ))}
    </div>
  );
}

function MetricCard(props: {
  name: string;
  runs: IRun[];
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
  theme: string;
}): JSX.Element {
  const { name, runs, rendermime, trans, theme } = props;
  const [showTable, setShowTable] = React.useState(false);
  const spec = React.useMemo(
    () => (rendermime ? chartSpec(name, runs, trans, theme) : null),
    [name, runs, theme, rendermime]
  );
  const series = runs.map(run => run.metrics?.series.find(s => s.name === name));
  const thinned = series.some(s => s && s.reported > s.points.length);
  return (
    <figure className="jp-Atelier-Metrics-chart" data-metric={name}>
      <figcaption>
        <span className="jp-Atelier-Metrics-name">{name}</span>
        {runs.length === 1 && <span className="jp-Atelier-Metrics-latest">{latest(series[0])}</span>}
      </figcaption>
      {rendermime && spec && <VegaChart rendermime={rendermime} spec={spec} />}
      {thinned && (
        <div className="jp-Atelier-Metrics-note">
          {trans.__('Long series are thinned evenly to 1,000 points; the latest value is always shown.')}
        </div>
      )}
      {rendermime ? (
        <details className="jp-Atelier-Metrics-details" onToggle={e => setShowTable(e.currentTarget.open)}>
          <summary>{trans.__('Table')}</summary>
          {showTable && <MetricTable name={name} runs={runs} trans={trans} />}
        </details>
      ) : (
        <MetricTable name={name} runs={runs} trans={trans} />
      )}
    </figure>
  );
}
