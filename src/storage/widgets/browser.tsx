import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  addIcon,
  caretDownIcon,
  caretUpIcon,
  fileIcon,
  fileUploadIcon,
  folderIcon,
  newFolderIcon,
  ReactWidget,
  refreshIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import { MimeData } from '@lumino/coreutils';
import { Drag } from '@lumino/dragdrop';
import type { Message } from '@lumino/messaging';
import { useVirtualizer } from '@tanstack/react-virtual';
import { formatBytes, shortDate } from '../../core/format';
import { IStorageItem, SortKey, StorageBrowserModel } from '../model';

const CLASS = 'jp-Atelier-StorageBrowser';
/** What JupyterLab's file browser puts on a drag: the dragged paths. */
const CONTENTS_MIME = 'application/x-jupyter-icontents';
/** What a storage row puts on a drag: `{ endpoint, bucket, key, kind }`. */
export const STORAGE_MIME = 'application/x-atelier-storage-object';
/** Row height in px; matches `--jp-Atelier-StorageBrowser-row-height` in style/storage.css. */
export const ROW_HEIGHT = 26;

export interface IBrowserActions {
  /** Opens an object (preview). */
  open(item: IStorageItem): void;
  newFolder(): void;
  newBucket(): void;
  /** Uploads files chosen or dropped from the computer into the current folder. */
  upload(files: File[]): void;
  /** Paths dragged from JupyterLab's file browser, to upload through the service. */
  uploadWorkspacePaths(paths: string[]): void;
}

/** The object storage sidebar: endpoint and bucket pickers, breadcrumbs, a virtualized list. */
export class StorageBrowser extends ReactWidget {
  constructor(
    readonly model: StorageBrowserModel,
    private readonly _trans: TranslationBundle,
    private readonly _actions: IBrowserActions
  ) {
    super();
    this.addClass(CLASS);
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <BrowserView model={this.model} trans={this._trans} actions={this._actions} />}
      </UseSignal>
    );
  }

  /** Files dragged from JupyterLab's file browser are uploaded by the service. */
  handleEvent(event: Event): void {
    const drag = event as Drag.Event;
    if (!drag.mimeData?.hasData(CONTENTS_MIME) || !this.model.bucket) {
      return;
    }
    switch (event.type) {
      case 'lm-dragenter':
      case 'lm-dragover':
        event.preventDefault();
        event.stopPropagation();
        // The file browser offers its drags as 'move'; uploading leaves the source in place.
        drag.dropAction = drag.proposedAction;
        this.addClass('jp-mod-dropTarget');
        break;
      case 'lm-dragleave':
        this.removeClass('jp-mod-dropTarget');
        break;
      case 'lm-drop': {
        event.preventDefault();
        event.stopPropagation();
        this.removeClass('jp-mod-dropTarget');
        drag.dropAction = drag.proposedAction;
        const paths = drag.mimeData.getData(CONTENTS_MIME) as string[];
        if (Array.isArray(paths) && paths.length) {
          this._actions.uploadWorkspacePaths(paths);
        }
        break;
      }
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    for (const type of DRAG_EVENTS) {
      this.node.addEventListener(type, this);
    }
  }

  protected onBeforeDetach(msg: Message): void {
    for (const type of DRAG_EVENTS) {
      this.node.removeEventListener(type, this);
    }
    super.onBeforeDetach(msg);
  }
}

const DRAG_EVENTS = ['lm-dragenter', 'lm-dragleave', 'lm-dragover', 'lm-drop'];

function BrowserView(props: {
  model: StorageBrowserModel;
  trans: TranslationBundle;
  actions: IBrowserActions;
}): JSX.Element {
  const { model, trans, actions } = props;
  const fileInput = React.useRef<HTMLInputElement>(null);
  const [filter, setFilter] = React.useState(model.filter);
  React.useEffect(() => setFilter(model.filter), [model.prefix, model.bucket]);
  React.useEffect(() => {
    if (filter === model.filter) {
      return;
    }
    const timer = setTimeout(() => void model.setFilter(filter), 300);
    return () => clearTimeout(timer);
  }, [filter]);

  const endpoint = model.endpoint;
  return (
    <div className={`${CLASS}-body`}>
      <div className={`${CLASS}-header`}>
        <label className={`${CLASS}-field`}>
          <span>{trans.__('Endpoint')}</span>
          <select
            className="jp-mod-styled"
            value={endpoint?.id ?? ''}
            onChange={e => void model.setEndpoint(e.target.value)}
            aria-label={trans.__('Storage endpoint')}
          >
            {model.endpoints.map(e => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
        <label className={`${CLASS}-field`}>
          <span>{trans.__('Bucket')}</span>
          <select
            className="jp-mod-styled"
            value={model.bucket ?? ''}
            onChange={e => void model.setBucket(e.target.value)}
            aria-label={trans.__('Bucket')}
            disabled={!model.buckets.length}
          >
            {!model.buckets.length && <option value="">{trans.__('no buckets')}</option>}
            {model.buckets.map(b => (
              <option key={b.name} value={b.name}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className={`${CLASS}-toolbar`} role="toolbar" aria-label={trans.__('Object storage')}>
        <ToolbarButton icon={refreshIcon} label={trans.__('Refresh')} onClick={() => void model.refreshAll()} />
        <ToolbarButton
          icon={newFolderIcon}
          label={trans.__('New Folder')}
          onClick={actions.newFolder}
          disabled={!model.bucket}
        />
        <ToolbarButton
          icon={fileUploadIcon}
          label={trans.__('Upload Files')}
          onClick={() => fileInput.current?.click()}
          disabled={!model.bucket}
        />
        <ToolbarButton icon={addIcon} label={trans.__('New Bucket')} onClick={actions.newBucket} disabled={!endpoint} />
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          onChange={e => {
            const files = Array.from(e.target.files ?? []);
            e.target.value = '';
            if (files.length) {
              actions.upload(files);
            }
          }}
        />
        <input
          className={`${CLASS}-filter jp-mod-styled`}
          type="search"
          placeholder={trans.__('Filter by name prefix')}
          aria-label={trans.__('Filter by name prefix')}
          value={filter}
          onChange={e => setFilter(e.target.value)}
        />
      </div>
      <Breadcrumbs model={model} trans={trans} />
      <div className={`${CLASS}-columns`} role="row">
        <SortHeader model={model} column="name" label={trans.__('Name')} />
        <SortHeader model={model} column="size" label={trans.__('Size')} />
        <SortHeader model={model} column="modified" label={trans.__('Modified')} />
      </div>
      <ItemList model={model} trans={trans} actions={actions} />
      <div className={`${CLASS}-status`} aria-live="polite">
        {model.error ? (
          <span className={`${CLASS}-error`}>{model.error}</span>
        ) : model.loading ? (
          trans.__('Loading…')
        ) : (
          trans._n('%1 item', '%1 items', model.items.length) +
          (model.hasMore ? trans.__(' (more when you scroll)') : '')
        )}
      </div>
    </div>
  );
}

function ToolbarButton(props: {
  icon: typeof refreshIcon;
  label: string;
  onClick: () => void;
  disabled?: boolean;
}): JSX.Element {
  return (
    <button
      type="button"
      className={`${CLASS}-button jp-ToolbarButtonComponent`}
      title={props.label}
      aria-label={props.label}
      onClick={props.onClick}
      disabled={props.disabled}
    >
      <props.icon.react tag="span" className="jp-ToolbarButtonComponent-icon" />
    </button>
  );
}

function Breadcrumbs(props: { model: StorageBrowserModel; trans: TranslationBundle }): JSX.Element {
  const { model, trans } = props;
  const parts = model.prefix.split('/').filter(Boolean);
  return (
    <nav className={`${CLASS}-breadcrumbs`} aria-label={trans.__('Folder')}>
      <button
        type="button"
        className={`${CLASS}-crumb`}
        onClick={() => void model.cd('')}
        title={model.bucket ? model.uriOf('') : ''}
      >
        {model.bucket ?? '—'}
      </button>
      {parts.map((part, i) => {
        const prefix = `${parts.slice(0, i + 1).join('/')}/`;
        return (
          <React.Fragment key={prefix}>
            <span className={`${CLASS}-separator`}>/</span>
            <button
              type="button"
              className={`${CLASS}-crumb`}
              onClick={() => void model.cd(prefix)}
              title={model.uriOf(prefix)}
            >
              {part}
            </button>
          </React.Fragment>
        );
      })}
    </nav>
  );
}

function SortHeader(props: { model: StorageBrowserModel; column: SortKey; label: string }): JSX.Element {
  const { model, column, label } = props;
  const sort = model.sort;
  const active = sort.key === column;
  const Icon = sort.ascending ? caretUpIcon : caretDownIcon;
  return (
    <button
      type="button"
      className={`${CLASS}-column ${CLASS}-column-${column}${active ? ' jp-mod-active' : ''}`}
      onClick={() => model.setSort(column)}
      aria-sort={active ? (sort.ascending ? 'ascending' : 'descending') : 'none'}
    >
      {label}
      {active && <Icon.react tag="span" className={`${CLASS}-sortIcon`} />}
    </button>
  );
}

function ItemList(props: {
  model: StorageBrowserModel;
  trans: TranslationBundle;
  actions: IBrowserActions;
}): JSX.Element {
  const { model, trans, actions } = props;
  const items = model.items;
  const parentRef = React.useRef<HTMLDivElement>(null);
  const [dropping, setDropping] = React.useState(false);
  const dragStart = React.useRef<{ x: number; y: number; item: IStorageItem } | null>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20
  });
  const virtualItems = virtualizer.getVirtualItems();
  const last = virtualItems[virtualItems.length - 1];
  React.useEffect(() => {
    if (last && last.index >= items.length - 50 && model.hasMore && !model.loading) {
      void model.loadMore();
    }
  }, [last?.index, items.length, model.hasMore, model.loading]);

  const open = (item: IStorageItem) => (item.kind === 'folder' ? void model.cd(item.key) : actions.open(item));
  const selectedIndex = items.findIndex(i => i.key === model.selected?.key);
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (!items.length) {
      return;
    }
    let index = selectedIndex;
    if (event.key === 'ArrowDown') {
      index = Math.min(items.length - 1, index + 1);
    } else if (event.key === 'ArrowUp') {
      index = Math.max(0, index - 1);
    } else if (event.key === 'Home') {
      index = 0;
    } else if (event.key === 'End') {
      index = items.length - 1;
    } else if (event.key === 'Enter' && model.selected) {
      event.preventDefault();
      open(model.selected);
      return;
    } else if (event.key === 'Backspace' && model.prefix) {
      event.preventDefault();
      void model.cd(model.prefix.split('/').slice(0, -2).join('/') + (model.prefix.split('/').length > 2 ? '/' : ''));
      return;
    } else {
      return;
    }
    event.preventDefault();
    model.select(items[index].key);
    virtualizer.scrollToIndex(index);
  };

  return (
    <div
      ref={parentRef}
      className={`${CLASS}-list${dropping ? ' jp-mod-dropTarget' : ''}`}
      role="listbox"
      tabIndex={0}
      aria-label={trans.__('Objects')}
      aria-activedescendant={selectedIndex >= 0 ? `atelier-storage-row-${selectedIndex}` : undefined}
      onKeyDown={onKeyDown}
      onDragOver={event => {
        if (model.bucket && event.dataTransfer.types.includes('Files')) {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
          setDropping(true);
        }
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={event => {
        setDropping(false);
        const files = Array.from(event.dataTransfer.files ?? []);
        if (files.length && model.bucket) {
          event.preventDefault();
          actions.upload(files);
        }
      }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualItems.map(row => {
          const item = items[row.index];
          const Icon = item.kind === 'folder' ? folderIcon : fileIcon;
          const selected = item.key === model.selected?.key;
          return (
            <div
              key={item.key}
              id={`atelier-storage-row-${row.index}`}
              role="option"
              aria-selected={selected}
              className={`${CLASS}-item${selected ? ' jp-mod-selected' : ''}`}
              data-key={item.key}
              data-kind={item.kind}
              title={model.uriOf(item.key)}
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                width: '100%',
                height: ROW_HEIGHT,
                transform: `translateY(${row.start}px)`
              }}
              onClick={() => model.select(item.key)}
              onContextMenu={() => model.select(item.key)}
              onDoubleClick={() => open(item)}
              onMouseDown={event => {
                if (event.button === 0) {
                  dragStart.current = { x: event.clientX, y: event.clientY, item };
                }
              }}
              onMouseMove={event => {
                const start = dragStart.current;
                if (!start || (event.buttons & 1) === 0) {
                  dragStart.current = null;
                  return;
                }
                if (Math.abs(event.clientX - start.x) + Math.abs(event.clientY - start.y) < 5) {
                  return;
                }
                dragStart.current = null;
                model.select(start.item.key);
                const mimeData = new MimeData();
                mimeData.setData(STORAGE_MIME, {
                  endpoint: model.endpoint?.id,
                  bucket: model.bucket,
                  key: start.item.key,
                  kind: start.item.kind
                });
                const drag = new Drag({
                  mimeData,
                  dragImage: (event.currentTarget as HTMLElement).cloneNode(true) as HTMLElement,
                  proposedAction: 'copy',
                  supportedActions: 'copy'
                });
                void drag.start(event.clientX, event.clientY);
              }}
              onMouseUp={() => (dragStart.current = null)}
            >
              <Icon.react tag="span" className={`${CLASS}-itemIcon`} />
              <span className={`${CLASS}-itemName`}>{item.name}</span>
              <span className={`${CLASS}-itemSize`}>{item.size === undefined ? '' : formatBytes(item.size)}</span>
              <span
                className={`${CLASS}-itemModified`}
                title={item.lastModified ? new Date(item.lastModified).toLocaleString() : ''}
              >
                {item.lastModified ? shortDate(item.lastModified) : ''}
              </span>
            </div>
          );
        })}
      </div>
      {!items.length && !model.loading && (
        <div className={`${CLASS}-empty`}>
          {model.bucket
            ? model.filter
              ? trans.__('Nothing here starts with "%1".', model.filter)
              : trans.__('This folder is empty. Drop files here or use the upload button.')
            : model.endpoint
              ? trans.__('No bucket yet: create one with the + button.')
              : trans.__('No storage endpoint is configured.')}
        </div>
      )}
    </div>
  );
}
