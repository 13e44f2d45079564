/**
 * Runs side by side: the metrics of several jobs overlaid (a chart per metric, a line per job)
 * and their hyperparameters, flavors and environments in one table, the values that differ
 * marked; and the dialog that picks the jobs.
 */
import * as React from 'react';
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';
import type { ISignal } from '@lumino/signaling';
import type { IJob, IJobMetrics } from '../api/client';
import { flavorSummary, shortDate } from '../core/format';
import type { IAtelierClient } from '../tokens';
import { codeDirLabel, programLabel } from './describe';
import { MetricCharts } from './metrics';
import type { IRun } from './metrics';
import type { JobsModel } from './model';
import { PhaseBadge } from './widgets/list';

/** The metrics of running jobs are asked for this often. */
const POLL_MS = 3000;

/** How a job is named in legends, tables and the picker: its name and id. */
export function runLabel(job: Pick<IJob, 'id' | 'metadata'>): string {
  return `${job.metadata.name} (${job.id})`;
}

/** One row of the parameters table: what it is and each job's value (undefined: not set). */
interface IRow {
  key: string;
  label: string;
  values: (string | undefined)[];
  differs: boolean;
}

/** The rows that tell the jobs' runs apart: program, code, flavor, nodes, image, each hyperparameter and variable. */
export function parameterRows(jobs: IJob[], trans: TranslationBundle): IRow[] {
  const rows: IRow[] = [];
  const add = (key: string, label: string, value: (job: IJob) => string | undefined) => {
    const values = jobs.map(value);
    rows.push({ key, label, values, differs: values.some(v => v !== values[0]) });
  };
  add('program', trans.__('Program'), job => programLabel(job, trans));
  add('codeDir', trans.__('Code directory'), job => codeDirLabel(job, trans));
  add('flavor', trans.__('Flavor'), job => flavorSummary(job.flavor, trans));
  add('nodes', trans.__('Nodes'), job => String(job.spec.nodeCount));
  add('image', trans.__('Image'), job => job.spec.image);
  const names = (pick: (job: IJob) => string[]) => [...new Set(jobs.flatMap(pick))];
  for (const name of names(job => job.spec.parameters.map(p => p.name))) {
    add(`parameter:${name}`, `--${name}`, job => job.spec.parameters.find(p => p.name === name)?.value);
  }
  for (const name of names(job => Object.keys(job.spec.environments))) {
    add(`env:${name}`, `$${name}`, job => job.spec.environments[name]);
  }
  return rows.filter(row => row.values.some(v => v !== undefined));
}

/**
 * The jobs' metrics, asked for once each, and again every few seconds while a job runs (not a
 * stream per job: a browser keeps only six connections to a server over HTTP/1.1).
 */
function useRunsMetrics(client: IAtelierClient, ids: string[]): Record<string, IJobMetrics> {
  const [metrics, setMetrics] = React.useState<Record<string, IJobMetrics>>({});
  const key = ids.join(',');
  React.useEffect(() => {
    let stopped = false;
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    const ask = async (id: string) => {
      let again = true;
      try {
        const m = await client.jobMetrics(id);
        if (stopped) {
          return;
        }
        again = !m.complete;
        setMetrics(all =>
          all[id]?.revision === m.revision && all[id].complete === m.complete ? all : { ...all, [id]: m }
        );
      } catch {
        // asked again below: the job may be gone, or the service restarting
      }
      if (again && !stopped) {
        timers.set(
          id,
          setTimeout(() => void ask(id), POLL_MS)
        );
      }
    };
    ids.forEach(id => void ask(id));
    return () => {
      stopped = true;
      timers.forEach(timer => clearTimeout(timer));
    };
  }, [key]);
  return metrics;
}

/** The jobs of `ids`: as the model knows them, else as the service answers; null while loading, and for a job that is gone. */
function useJobs(model: JobsModel, ids: string[]): (IJob | null)[] {
  const [jobs, setJobs] = React.useState<(IJob | null)[]>(() => ids.map(id => model.find(id) ?? null));
  const key = ids.join(',');
  React.useEffect(() => {
    let stopped = false;
    const known = new Map<string, IJob>();
    const update = () => {
      if (!stopped) {
        setJobs(ids.map(id => model.find(id) ?? known.get(id) ?? null));
      }
    };
    for (const id of ids) {
      if (!model.find(id)) {
        void model.client.job(id).then(job => {
          known.set(id, job);
          update();
        }, update);
      }
    }
    update();
    model.changed.connect(update);
    return () => {
      stopped = true;
      model.changed.disconnect(update);
    };
  }, [key]);
  return jobs;
}

interface ICompareProps {
  model: JobsModel;
  trans: TranslationBundle;
  rendermime: IRenderMimeRegistry | null;
  /** Opens a job's detail view. */
  open(id: string): void;
  /** Lets the user pick the jobs again. */
  edit(): void;
}

function Compare(props: ICompareProps & { ids: string[] }): JSX.Element {
  const { ids, model, trans } = props;
  const jobs = useJobs(model, ids);
  const metrics = useRunsMetrics(model.client, ids);
  const [onlyDiffs, setOnlyDiffs] = React.useState(false);
  const found = jobs.filter((job): job is IJob => job !== null);
  const runs = React.useMemo<IRun[]>(
    () => found.map(job => ({ id: job.id, label: runLabel(job), metrics: metrics[job.id] ?? null })),
    [found.map(j => `${j.id}:${j.metadata.name}`).join(','), metrics]
  );
  const rows = parameterRows(found, trans);
  const shown = onlyDiffs ? rows.filter(row => row.differs) : rows;
  return (
    <div className="jp-Atelier-Compare" data-job-ids={ids.join(',')}>
      <header className="jp-Atelier-Compare-header">
        <h2>{trans._n('Comparing %1 training job', 'Comparing %1 training jobs', ids.length)}</h2>
        <button type="button" className="jp-Button jp-mod-styled jp-mod-reject" onClick={props.edit}>
          {trans.__('Choose Jobs…')}
        </button>
      </header>
      {found.length < ids.length && (
        <p className="jp-Atelier-Compare-missing" role="status">
          {trans.__('Not found (deleted?): %1', ids.filter((id, i) => !jobs[i]).join(', '))}
        </p>
      )}
      <section aria-label={trans.__('Hyperparameters')}>
        <div className="jp-Atelier-Compare-bar">
          <h3>{trans.__('Hyperparameters and resources')}</h3>
          <label>
            <input type="checkbox" checked={onlyDiffs} onChange={e => setOnlyDiffs(e.target.checked)} />{' '}
            {trans.__('Only differences')}
          </label>
        </div>
        <div className="jp-Atelier-Compare-tableBox">
          <table className="jp-Atelier-Compare-table">
            <thead>
              <tr>
                <th scope="col">{trans.__('Setting')}</th>
                {found.map(job => (
                  <th scope="col" key={job.id} data-job-id={job.id}>
                    <button type="button" className="jp-Atelier-Compare-job" onClick={() => props.open(job.id)}>
                      {job.metadata.name}
                    </button>
                    <div className="jp-Atelier-Compare-id">
                      {job.id} · {shortDate(job.metadata.createdAt)}
                    </div>
                    <PhaseBadge job={job} trans={trans} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map(row => (
                <tr key={row.key} data-row={row.key} className={row.differs ? 'jp-mod-differs' : undefined}>
                  <th scope="row">
                    {row.label}
                    {row.differs && <span className="jp-Atelier-Compare-differs">{trans.__('differs')}</span>}
                  </th>
                  {row.values.map((value, i) => (
                    <td key={found[i].id}>{value ?? '—'}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="jp-Atelier-Metrics" aria-label={trans.__('Metrics')}>
        <h3>{trans.__('Metrics')}</h3>
        <MetricCharts runs={runs} rendermime={props.rendermime} trans={trans} />
      </section>
    </div>
  );
}

/** The comparison of jobs, in the main area. */
export class CompareWidget extends ReactWidget {
  constructor(
    ids: string[],
    private readonly _props: ICompareProps
  ) {
    super();
    this._ids = ids;
    this.addClass('jp-Atelier-ComparePanel');
  }

  /** The jobs compared. */
  get ids(): string[] {
    return this._ids;
  }

  set ids(ids: string[]) {
    this._ids = ids;
    this._idsChanged.emit(ids);
    this.update();
  }

  get idsChanged(): ISignal<this, string[]> {
    return this._idsChanged;
  }

  render(): JSX.Element {
    return <Compare {...this._props} ids={this._ids} />;
  }

  private _ids: string[];
  private _idsChanged = new Signal<this, string[]>(this);
}

/** The body of the picker: the jobs with a check box each, those named as `reference` first. */
class JobPicker extends ReactWidget {
  constructor(
    private readonly _jobs: IJob[],
    selected: string[],
    private readonly _trans: TranslationBundle
  ) {
    super();
    this._selected = new Set(selected);
    this.addClass('jp-Atelier-JobPicker');
  }

  getValue(): string[] {
    // In the order of the list, so that the chosen jobs keep their places.
    return this._jobs.map(j => j.id).filter(id => this._selected.has(id));
  }

  render(): JSX.Element {
    const trans = this._trans;
    const term = this._filter.trim().toLowerCase();
    const shown = term
      ? this._jobs.filter(j => `${j.metadata.name} ${j.id} ${j.status.phase}`.toLowerCase().includes(term))
      : this._jobs;
    return (
      <div>
        <input
          type="search"
          className="jp-mod-styled jp-Atelier-JobPicker-filter"
          placeholder={trans.__('Filter by name or id')}
          aria-label={trans.__('Filter by name or id')}
          value={this._filter}
          onChange={e => {
            this._filter = e.target.value;
            this.update();
          }}
        />
        <ul className="jp-Atelier-JobPicker-list" aria-label={trans.__('Training jobs')}>
          {shown.map(job => (
            <li key={job.id}>
              <label>
                <input
                  type="checkbox"
                  checked={this._selected.has(job.id)}
                  onChange={e => {
                    if (e.target.checked) {
                      this._selected.add(job.id);
                    } else {
                      this._selected.delete(job.id);
                    }
                    this.update();
                  }}
                />{' '}
                <span className="jp-Atelier-JobPicker-name">{job.metadata.name}</span>{' '}
                <span className="jp-Atelier-JobPicker-id">
                  {job.id} · {job.status.phase} · {shortDate(job.metadata.createdAt)}
                </span>
              </label>
            </li>
          ))}
        </ul>
        {!shown.length && <p>{trans.__('No training jobs match.')}</p>}
      </div>
    );
  }

  private _selected: Set<string>;
  private _filter = '';
}

/**
 * Asks which jobs to compare: the jobs the model lists, those named as `reference` first (the
 * clones of one run), newest first within each; `selected` are checked. Null when cancelled.
 */
export async function pickJobs(options: {
  jobs: IJob[];
  selected: string[];
  reference?: IJob;
  trans: TranslationBundle;
}): Promise<string[] | null> {
  const { trans, reference } = options;
  const newest = (a: IJob, b: IJob) => b.metadata.createdAt.localeCompare(a.metadata.createdAt);
  const same = options.jobs.filter(j => reference && j.metadata.name === reference.metadata.name).sort(newest);
  const others = options.jobs.filter(j => !same.includes(j)).sort(newest);
  const result = await showDialog({
    title: reference ? trans.__('Compare "%1" with…', reference.metadata.name) : trans.__('Compare Training Jobs'),
    body: new JobPicker([...same, ...others], options.selected, trans),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Compare') })]
  });
  return result.button.accept ? (result.value ?? []) : null;
}
