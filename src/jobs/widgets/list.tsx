import * as React from 'react';
import { ISignal, Signal } from '@lumino/signaling';
import type { TranslationBundle } from '@jupyterlab/translation';
import { HTMLSelect, ReactWidget, UseSignal, addIcon, refreshIcon } from '@jupyterlab/ui-components';
import type { IJob, IJobPhase } from '../../api/client';
import { usePagedVirtualizer } from '../../core/paged-list';
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
  selection: JobSelection;
}

/** The height of a row, in pixels (two lines: the name and phase, then the times and flavor). */
const ROW_HEIGHT = 48;

/** Which jobs are selected in the list, and the active one (the keyboard's, the commands'). */
export class JobSelection {
  get active(): string | null {
    return this._active;
  }

  get ids(): string[] {
    return [...this._ids];
  }

  has(id: string): boolean {
    return this._ids.has(id);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Selects `id` alone, or adds it (toggle), or the range from the anchor to it (extend). */
  select(id: string, order: string[], how: 'only' | 'toggle' | 'extend' = 'only'): void {
    if (how === 'extend' && this._anchor && order.includes(this._anchor)) {
      const [a, b] = [order.indexOf(this._anchor), order.indexOf(id)].sort((x, y) => x - y);
      this._ids = new Set(order.slice(a, b + 1));
    } else if (how === 'toggle') {
      if (this._ids.has(id) && this._ids.size > 1) {
        this._ids.delete(id);
      } else {
        this._ids.add(id);
      }
      this._anchor = id;
    } else {
      this._ids = new Set([id]);
      this._anchor = id;
    }
    this._active = id;
    this._changed.emit();
  }

  selectAll(order: string[]): void {
    this._ids = new Set(order);
    this._changed.emit();
  }

  /** Forgets jobs that are no longer listed. */
  keep(order: string[]): void {
    const listed = new Set(order);
    const kept = [...this._ids].filter(id => listed.has(id));
    if (kept.length !== this._ids.size || (this._active && !listed.has(this._active))) {
      this._ids = new Set(kept);
      if (this._active && !listed.has(this._active)) {
        this._active = null;
      }
      this._changed.emit();
    }
  }

  private _ids = new Set<string>();
  private _active: string | null = null;
  private _anchor: string | null = null;
  private _changed = new Signal<this, void>(this);
}

function JobRow(props: {
  job: IJob;
  index: number;
  start: number;
  total: number;
  selected: boolean;
  active: boolean;
  trans: TranslationBundle;
  onClick(event: React.MouseEvent): void;
  onDoubleClick(): void;
}): JSX.Element {
  const { job, trans } = props;
  return (
    <div
      id={`atelier-job-row-${props.index}`}
      role="option"
      aria-selected={props.selected}
      aria-setsize={props.total}
      aria-posinset={props.index + 1}
      className={`jp-Atelier-Jobs-item${props.selected ? ' jp-mod-selected' : ''}${props.active ? ' jp-mod-active' : ''}`}
      data-job-id={job.id}
      title={`${job.metadata.name} · ${job.id}`}
      style={{
        position: 'absolute',
        top: 0,
        left: 0,
        width: '100%',
        height: ROW_HEIGHT,
        transform: `translateY(${props.start}px)`
      }}
      onClick={props.onClick}
      onContextMenu={event => {
        if (!props.selected) {
          props.onClick(event);
        }
      }}
      onDoubleClick={props.onDoubleClick}
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
        <span>{job.status.startedAt ? formatDuration(job.status.duration) : (job.status.message ?? '')}</span>
        <span>{job.flavor.name}</span>
      </div>
    </div>
  );
}

/**
 * The jobs, virtualized (only the rows in view exist) and read a page at a time as the list
 * scrolls. A listbox with one Tab stop: focus stays on the list, the arrows move the active
 * job (Shift extends the selection, Ctrl or Cmd with a click adds to it) and
 * aria-activedescendant names the active row while it is rendered.
 */
function JobRows(props: IListProps): JSX.Element {
  const { model, trans, selection } = props;
  const jobs = model.jobs;
  const order = jobs.map(j => j.id);
  const scroller = React.useRef<HTMLDivElement>(null);
  const virtualizer = usePagedVirtualizer({
    count: jobs.length,
    rowHeight: ROW_HEIGHT,
    source: model,
    scroller,
    overscan: 10,
    ahead: 20
  });
  const rows = virtualizer.getVirtualItems();
  React.useEffect(() => selection.keep(order), [jobs]);

  const activeIndex = selection.active ? order.indexOf(selection.active) : -1;
  const activeRendered = rows.some(row => row.index === activeIndex);
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (!jobs.length) {
      return;
    }
    if (event.key === 'Enter' && selection.active) {
      event.preventDefault();
      props.open(selection.active);
      return;
    }
    if (event.key === 'a' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      selection.selectAll(order);
      return;
    }
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const from = activeIndex < 0 ? -1 : activeIndex;
    const moves: Record<string, number> = {
      ArrowDown: from + 1,
      ArrowUp: Math.max(0, from - 1),
      Home: 0,
      End: jobs.length - 1,
      PageDown: from + page,
      PageUp: from - page
    };
    if (!(event.key in moves)) {
      return;
    }
    event.preventDefault();
    const index = Math.max(0, Math.min(jobs.length - 1, moves[event.key]));
    selection.select(order[index], order, event.shiftKey ? 'extend' : 'only');
    virtualizer.scrollToIndex(index);
  };

  if (!jobs.length) {
    let text: string;
    if (!model.loaded) {
      text = model.error
        ? trans.__('Cannot list the training jobs: %1', model.error)
        : trans.__('Loading training jobs…');
    } else if (model.filter.trim()) {
      text = trans.__('No training job matches "%1".', model.filter.trim());
    } else {
      text = trans.__(
        'No training jobs yet. Start one with "+", from a notebook\'s toolbar or from a .py file\'s context menu.'
      );
    }
    return (
      <div className="jp-Atelier-Jobs-empty" role="status">
        {text}
      </div>
    );
  }
  return (
    <div ref={scroller} className="jp-Atelier-Jobs-scroller">
      <div
        className="jp-Atelier-Jobs-list"
        role="listbox"
        tabIndex={0}
        aria-multiselectable={true}
        aria-label={trans.__('Training jobs')}
        aria-activedescendant={activeRendered ? `atelier-job-row-${activeIndex}` : undefined}
        onKeyDown={onKeyDown}
        style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
      >
        {rows.map(row => {
          const job = jobs[row.index];
          return (
            <JobRow
              key={job.id}
              job={job}
              index={row.index}
              start={row.start}
              total={Math.max(model.total, jobs.length)}
              selected={selection.has(job.id)}
              active={row.index === activeIndex}
              trans={trans}
              onClick={event =>
                selection.select(
                  job.id,
                  order,
                  event.shiftKey ? 'extend' : event.ctrlKey || event.metaKey ? 'toggle' : 'only'
                )
              }
              onDoubleClick={() => props.open(job.id)}
            />
          );
        })}
      </div>
    </div>
  );
}

function JobsList(props: IListProps): JSX.Element {
  const { model, trans } = props;
  const sorts: Array<[JobSort, string]> = [
    ['created', trans.__('Newest first')],
    ['name', trans.__('Name')],
    ['phase', trans.__('Status')],
    ['duration', trans.__('Longest first')]
  ];
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
        {() => (
          <UseSignal signal={props.selection.changed}>
            {() => (
              <>
                <JobRows {...props} />
                {model.loaded && model.total > 0 && (
                  <div className="jp-Atelier-Jobs-count" aria-live="polite">
                    {model.jobs.length < model.total
                      ? trans.__('%1 of %2 jobs', model.jobs.length, model.total)
                      : trans._n('%1 job', '%1 jobs', model.total)}
                    {props.selection.ids.length > 1 ? ` · ${trans.__('%1 selected', props.selection.ids.length)}` : ''}
                  </div>
                )}
              </>
            )}
          </UseSignal>
        )}
      </UseSignal>
    </div>
  );
}

/** The "Training Jobs" sidebar. */
export class JobsPanel extends ReactWidget {
  constructor(private readonly _props: Omit<IListProps, 'selection'>) {
    super();
    this.addClass('jp-Atelier-JobsPanel');
  }

  /** The active job of the list (for the context menu's commands). */
  get selectedId(): string | null {
    return this.selection.active;
  }

  /** The jobs selected in the list, in the list's order. */
  get selectedIds(): string[] {
    const chosen = new Set(this.selection.ids);
    return this._props.model.jobs.filter(j => chosen.has(j.id)).map(j => j.id);
  }

  readonly selection = new JobSelection();

  render(): JSX.Element {
    return <JobsList {...this._props} selection={this.selection} />;
  }
}
