import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import { HTMLSelect, ReactWidget, UseSignal, addIcon, refreshIcon } from '@jupyterlab/ui-components';
import type { IJob, IJobPhase } from '../../api/client';
import { formatDuration, shortDate } from '../../core/format';
import { JobSort, JobsModel } from '../model';

export function phaseLabel(phase: IJobPhase, trans: TranslationBundle): string {
  const labels: Record<IJobPhase, string> = {
    Pending: trans.__('Pending'),
    Running: trans.__('Running'),
    Stopping: trans.__('Stopping'),
    Completed: trans.__('Completed'),
    Failed: trans.__('Failed'),
    Stopped: trans.__('Stopped')
  };
  return labels[phase];
}

export function PhaseBadge(props: { job: IJob; trans: TranslationBundle }): JSX.Element {
  const { phase, exitCode } = props.job.status;
  return (
    <span className={`jp-Atelier-JobPhase jp-mod-${phase.toLowerCase()}`} data-phase={phase}>
      {phaseLabel(phase, props.trans)}
      {phase === 'Failed' && exitCode !== undefined ? ` (${exitCode})` : ''}
    </span>
  );
}

interface IListProps {
  model: JobsModel;
  trans: TranslationBundle;
  open(id: string): void;
  create(): void;
  selected: { id: string | null };
}

function JobsList(props: IListProps): JSX.Element {
  const { model, trans } = props;
  const [selected, setSelected] = React.useState<string | null>(null);
  const select = (id: string) => {
    props.selected.id = id;
    setSelected(id);
  };
  const sorts: Array<[JobSort, string]> = [
    ['created', trans.__('Newest first')],
    ['name', trans.__('Name')],
    ['phase', trans.__('Status')],
    ['duration', trans.__('Longest first')]
  ];
  const onKey = (event: React.KeyboardEvent, jobs: IJob[]) => {
    const index = jobs.findIndex(j => j.id === selected);
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      Home: 0,
      End: jobs.length - 1,
      PageDown: index + 10,
      PageUp: index - 10
    };
    if (event.key in moves) {
      event.preventDefault();
      const next = jobs[Math.max(0, Math.min(jobs.length - 1, moves[event.key]))];
      if (next) {
        select(next.id);
        (event.currentTarget.querySelector(`[data-job-id="${next.id}"]`) as HTMLElement | null)?.focus();
      }
    } else if (event.key === 'Enter' && selected) {
      event.preventDefault();
      props.open(selected);
    }
  };
  return (
    <div className="jp-Atelier-Jobs">
      <div className="jp-Atelier-Jobs-toolbar">
        <button
          type="button"
          className="jp-Button jp-mod-minimal jp-ToolbarButtonComponent"
          title={trans.__('New Training Job…')}
          aria-label={trans.__('New Training Job…')}
          onClick={props.create}
        >
          <addIcon.react tag="span" />
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-minimal jp-ToolbarButtonComponent"
          title={trans.__('Refresh Training Jobs')}
          aria-label={trans.__('Refresh Training Jobs')}
          onClick={() => void model.refresh()}
        >
          <refreshIcon.react tag="span" />
        </button>
        <input
          className="jp-mod-styled jp-Atelier-Jobs-filter"
          type="search"
          placeholder={trans.__('Filter by name, status, flavor')}
          aria-label={trans.__('Filter jobs')}
          defaultValue={model.filter}
          onChange={e => model.setView({ filter: e.target.value })}
        />
        <HTMLSelect
          aria-label={trans.__('Sort jobs')}
          defaultValue={model.sort}
          onChange={e => model.setView({ sort: e.target.value as JobSort })}
        >
          {sorts.map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </HTMLSelect>
      </div>
      <UseSignal signal={model.changed}>
        {() => {
          const jobs = model.visible;
          // The list's one Tab stop: the selected job, else the first.
          const tabStop = jobs.some(j => j.id === selected) ? selected : jobs[0]?.id;
          if (!model.jobs.length) {
            return (
              <div className="jp-Atelier-Jobs-empty">
                {trans.__(
                  'No training jobs yet. Start one with "+", from a notebook\'s toolbar or from a .py file\'s context menu.'
                )}
              </div>
            );
          }
          return (
            <ul
              className="jp-Atelier-Jobs-list"
              role="listbox"
              aria-label={trans.__('Training jobs')}
              onKeyDown={e => onKey(e, jobs)}
            >
              {jobs.map(job => (
                <li
                  key={job.id}
                  role="option"
                  tabIndex={job.id === tabStop ? 0 : -1}
                  aria-selected={job.id === selected}
                  className={`jp-Atelier-Jobs-item${job.id === selected ? ' jp-mod-selected' : ''}`}
                  data-job-id={job.id}
                  title={`${job.metadata.name} · ${job.id}`}
                  onClick={() => select(job.id)}
                  onContextMenu={() => select(job.id)}
                  onDoubleClick={() => props.open(job.id)}
                >
                  <div className="jp-Atelier-Jobs-name">{job.metadata.name}</div>
                  <PhaseBadge job={job} trans={trans} />
                  <div className="jp-Atelier-Jobs-meta">
                    <time
                      dateTime={job.metadata.createdAt}
                      title={trans.__('Submitted %1', new Date(job.metadata.createdAt).toLocaleString())}
                    >
                      {shortDate(job.metadata.createdAt)}
                    </time>
                    <span>
                      {job.status.startedAt ? formatDuration(job.status.duration) : (job.status.message ?? '')}
                    </span>
                    <span>{job.flavor.name}</span>
                  </div>
                </li>
              ))}
            </ul>
          );
        }}
      </UseSignal>
    </div>
  );
}

/** The "Training Jobs" sidebar. */
export class JobsPanel extends ReactWidget {
  constructor(private readonly _props: Omit<IListProps, 'selected'>) {
    super();
    this.addClass('jp-Atelier-JobsPanel');
  }

  /** The job selected in the list (for the context menu's commands). */
  get selectedId(): string | null {
    return this._selected.id;
  }

  render(): JSX.Element {
    return <JobsList {...this._props} selected={this._selected} />;
  }

  private _selected: { id: string | null } = { id: null };
}
