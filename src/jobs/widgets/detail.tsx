import * as React from 'react';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { IJob, IJobData } from '../../api/client';
import type { IAtelierClient } from '../../tokens';
import { flavorSummary, formatDuration } from '../../core/format';
import { runLabel } from '../compare';
import { codeDirLabel, programLabel } from '../describe';
import { follow } from '../follow';
import { MetricCharts, useMetrics } from '../metrics';
import type { IRun } from '../metrics';
import { isFinished, JobsModel } from '../model';
import { PhaseBadge, phaseLabel } from './list';

/** The browser keeps at most this much of a log; the download has all of it. */
const KEEP_LOG = 2 * 1024 * 1024;

interface IDetailProps {
  id: string;
  model: JobsModel;
  client: IAtelierClient;
  trans: TranslationBundle;
  stop(job: IJob): void;
  remove(job: IJob): void;
  clone(job: IJob): void;
  openOutput(job: IJob, output: IJobData): void;
  openNotebook(job: IJob): void;
  /** Asks which jobs to compare this one with, and compares them. */
  compare(job: IJob): void;
  /** Draws the metrics charts; without it (or without its Vega-Lite renderer), tables. */
  rendermime: IRenderMimeRegistry | null;
}

/** The job's metrics, live while it runs: a chart per metric. */
function MetricsView(props: {
  client: IAtelierClient;
  job: IJob;
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { job, trans } = props;
  const { metrics, error } = useMetrics(props.client, job.id);
  const label = runLabel(job);
  const runs = React.useMemo<IRun[]>(() => [{ id: job.id, label, metrics }], [job.id, label, metrics]);
  return (
    <section className="jp-Atelier-Metrics" aria-label={trans.__('Metrics')}>
      <h3>{trans.__('Metrics')}</h3>
      {error && (
        <div className="jp-Atelier-JobForm-error" role="alert">
          {error}
        </div>
      )}
      <MetricCharts runs={runs} rendermime={props.rendermime} trans={trans} />
    </section>
  );
}

/**
 * Follows the log: reads it from the last offset until caught up, then listens to the log's
 * event stream, and reads on whenever the stream ends (the job finished, or the stream broke),
 * until the job has finished and all is read.
 */
function useLog(client: IAtelierClient, id: string): { text: string; error: string; cut: boolean } {
  const [state, setState] = React.useState({ text: '', error: '', cut: false });
  React.useEffect(() => {
    let offset = 0;
    const append = (text: string, nextOffset: number) => {
      offset = nextOffset;
      setState(s => {
        const all = s.text + text;
        return all.length > KEEP_LOG
          ? { text: all.slice(all.length - KEEP_LOG), error: '', cut: true }
          : { ...s, text: all, error: '' };
      });
    };
    return follow(
      async signal => {
        const chunk = await client.jobLog(id, offset);
        if (signal.aborted) {
          return null;
        }
        if (chunk.text) {
          append(chunk.text, chunk.nextOffset);
        }
        if (chunk.complete) {
          return null;
        }
        if (chunk.nextOffset < chunk.size) {
          return 0;
        }
        // Caught up: the rest comes as it is written.
        await client.jobLogEvents(
          id,
          offset,
          c => {
            if (!signal.aborted && c.offset === offset && c.text) {
              append(c.text, c.nextOffset);
            }
          },
          signal
        );
        return 500;
      },
      e => setState(s => ({ ...s, error: e.message }))
    );
  }, [id]);
  return state;
}

function LogView(props: { client: IAtelierClient; id: string; trans: TranslationBundle }): JSX.Element {
  const { trans } = props;
  const { text, error, cut } = useLog(props.client, props.id);
  const [follow, setFollow] = React.useState(true);
  const [search, setSearch] = React.useState('');
  const pre = React.useRef<HTMLPreElement>(null);
  const term = search.trim().toLowerCase();
  const lines = React.useMemo(
    () => (term ? text.split('\n').filter(l => l.toLowerCase().includes(term)) : null),
    [text, term]
  );
  React.useEffect(() => {
    if (follow && pre.current) {
      pre.current.scrollTop = pre.current.scrollHeight;
    }
  }, [text, follow, term]);
  return (
    <section className="jp-Atelier-JobDetail-logs" aria-label={trans.__('Log')}>
      <div className="jp-Atelier-JobDetail-logbar">
        <h3>{trans.__('Log')}</h3>
        <label>
          <input type="checkbox" checked={follow} onChange={e => setFollow(e.target.checked)} /> {trans.__('Follow')}
        </label>
        <input
          type="search"
          className="jp-mod-styled"
          placeholder={trans.__('Search the log')}
          aria-label={trans.__('Search the log')}
          value={search}
          onChange={e => setSearch(e.target.value)}
        />
        {lines && (
          <span className="jp-Atelier-JobDetail-matches">
            {trans._n('%1 matching line', '%1 matching lines', lines.length)}
          </span>
        )}
        <a className="jp-Button jp-mod-styled jp-mod-reject" href={props.client.jobLogUrl(props.id)} download>
          {trans.__('Download Log')}
        </a>
      </div>
      {error && (
        <div className="jp-Atelier-JobForm-error" role="alert">
          {error}
        </div>
      )}
      {cut && (
        <div className="jp-Atelier-JobDetail-cut">
          {trans.__('Only the end of the log is shown; download it for all of it.')}
        </div>
      )}
      <pre
        ref={pre}
        className="jp-Atelier-JobDetail-log"
        tabIndex={0}
        onScroll={e => {
          const el = e.currentTarget;
          const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
          if (follow !== atEnd) {
            setFollow(atEnd);
          }
        }}
      >
        {lines ? lines.join('\n') : text}
      </pre>
    </section>
  );
}

function JobDetail(props: IDetailProps): JSX.Element {
  const { trans, model } = props;
  const [job, setJob] = React.useState<IJob | undefined>(model.find(props.id));
  React.useEffect(() => {
    // Known to the model from now on, even when the list no longer shows it.
    void model.job(props.id).then(setJob, () => undefined);
  }, [props.id]);
  const [missing, setMissing] = React.useState(false);
  React.useEffect(() => {
    const update = () => {
      const found = model.find(props.id);
      if (found) {
        setJob(found);
      }
    };
    model.changed.connect(update);
    void props.client.job(props.id).then(setJob, () => setMissing(true));
    return () => {
      model.changed.disconnect(update);
    };
  }, [props.id]);
  if (!job) {
    return (
      <div className="jp-Atelier-JobDetail">
        {missing ? trans.__('This job no longer exists.') : trans.__('Loading…')}
      </div>
    );
  }
  const { spec, status } = job;
  const finished = isFinished(job);
  return (
    <div className="jp-Atelier-JobDetail" data-job-id={job.id}>
      <header className="jp-Atelier-JobDetail-header">
        <h2>{job.metadata.name}</h2>
        <PhaseBadge job={job} trans={trans} />
        <span className="jp-Atelier-JobDetail-duration">
          {status.startedAt ? formatDuration(status.duration) : (status.message ?? '')}
        </span>
        <div className="jp-Atelier-JobDetail-actions">
          {!finished && (
            <button
              type="button"
              className="jp-Button jp-mod-styled jp-mod-warn"
              onClick={() => props.stop(job)}
              disabled={status.phase === 'Stopping'}
            >
              {trans.__('Stop')}
            </button>
          )}
          <button type="button" className="jp-Button jp-mod-styled jp-mod-reject" onClick={() => props.clone(job)}>
            {trans.__('Clone and Edit')}
          </button>
          <button type="button" className="jp-Button jp-mod-styled jp-mod-reject" onClick={() => props.compare(job)}>
            {trans.__('Compare…')}
          </button>
          {finished && (
            <button type="button" className="jp-Button jp-mod-styled jp-mod-reject" onClick={() => props.remove(job)}>
              {trans.__('Delete')}
            </button>
          )}
        </div>
      </header>
      {job.metadata.description && <p className="jp-Atelier-JobDetail-description">{job.metadata.description}</p>}
      {status.reason && (
        <p className="jp-Atelier-JobDetail-reason" role="status">
          {status.reason}
        </p>
      )}
      <div className="jp-Atelier-JobDetail-columns">
        <section aria-label={trans.__('Status timeline')}>
          <h3>{trans.__('Timeline')}</h3>
          <ol className="jp-Atelier-JobDetail-timeline">
            {status.timeline.map((event, i) => (
              <li key={i} data-phase={event.phase}>
                <span className="jp-Atelier-JobDetail-phase">{phaseLabel(event.phase, trans)}</span>{' '}
                <time dateTime={event.at}>{new Date(event.at).toLocaleString()}</time>
                {event.message ? ` · ${event.message}` : ''}
              </li>
            ))}
            {status.exitCode !== undefined && <li>{trans.__('Exit code %1', status.exitCode)}</li>}
          </ol>
        </section>
        <section aria-label={trans.__('Specification')}>
          <h3>{trans.__('Specification')}</h3>
          <dl className="jp-Atelier-JobDetail-spec">
            <dt>{trans.__('Program')}</dt>
            <dd>{programLabel(job, trans)}</dd>
            <dt>{trans.__('Code directory')}</dt>
            <dd className="jp-Atelier-JobDetail-codeDir">{codeDirLabel(job, trans)}</dd>
            <dt>{trans.__('Flavor')}</dt>
            <dd>{flavorSummary(job.flavor, trans)}</dd>
            <dt>{trans.__('Nodes')}</dt>
            <dd>{spec.nodeCount}</dd>
            <dt>{trans.__('Executor')}</dt>
            <dd>
              {job.executor}
              {status.externalId ? ` · ${status.externalId}` : ''}
            </dd>
            {spec.parameters.length > 0 && <dt>{trans.__('Hyperparameters')}</dt>}
            {spec.parameters.length > 0 && <dd>{spec.parameters.map(p => `--${p.name}=${p.value}`).join(' ')}</dd>}
            {Object.keys(spec.environments).length > 0 && <dt>{trans.__('Environment variables')}</dt>}
            {Object.keys(spec.environments).length > 0 && (
              <dd>
                {Object.entries(spec.environments)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}
              </dd>
            )}
            {spec.inputs.map(input => (
              <React.Fragment key={`in-${input.name}`}>
                <dt>{trans.__('Input %1', input.name)}</dt>
                <dd>{input.uri}</dd>
              </React.Fragment>
            ))}
            {spec.image && <dt>{trans.__('Image')}</dt>}
            {spec.image && <dd>{spec.image}</dd>}
            {spec.maxRuntimeMinutes && <dt>{trans.__('Maximum runtime')}</dt>}
            {spec.maxRuntimeMinutes && <dd>{trans.__('%1 minutes', spec.maxRuntimeMinutes)}</dd>}
          </dl>
          {(spec.outputs.length > 0 || spec.notebook) && <h3>{trans.__('Outputs')}</h3>}
          <ul className="jp-Atelier-JobDetail-outputs">
            {spec.outputs.map(output => (
              <li key={output.name}>
                <span>
                  {output.name}: {output.uri}
                </span>{' '}
                <button
                  type="button"
                  className="jp-Button jp-mod-styled jp-mod-reject"
                  disabled={!finished}
                  onClick={() => props.openOutput(job, output)}
                >
                  {trans.__('Open output %1', output.name)}
                </button>
              </li>
            ))}
            {spec.notebook && (
              <li>
                <span>{trans.__('Executed notebook')}</span>{' '}
                <button
                  type="button"
                  className="jp-Button jp-mod-styled jp-mod-reject"
                  disabled={!finished}
                  onClick={() => props.openNotebook(job)}
                >
                  {trans.__('Open Executed Notebook')}
                </button>
              </li>
            )}
          </ul>
        </section>
      </div>
      <MetricsView client={props.client} job={job} rendermime={props.rendermime} trans={trans} />
      <LogView client={props.client} id={job.id} trans={trans} />
    </div>
  );
}

/** One job in the main area: its spec, status timeline, live log and actions. */
export class JobDetailWidget extends ReactWidget {
  constructor(private readonly _props: IDetailProps) {
    super();
    this.addClass('jp-Atelier-JobDetailPanel');
  }

  render(): JSX.Element {
    return <JobDetail {...this._props} />;
  }
}
