import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import { caretDownIcon, caretUpIcon, fileIcon, folderIcon } from '@jupyterlab/ui-components';
import { MimeData } from '@lumino/coreutils';
import { Drag } from '@lumino/dragdrop';
import { usePagedVirtualizer } from '../../core/paged-list';
import { formatBytes, shortDate } from '../../core/format';
import { parentOf } from '../model';
import type { IStorageItem, SortKey, StorageBrowserModel } from '../model';

export interface IBrowserActions {
  /** Opens an object (preview). */
  open(item: IStorageItem): void;
  newFolder(): void;
  newBucket(): void;
  /** Uploads files chosen or dropped from the computer into the current folder. */
  upload(files: File[]): void;
  /** Paths dragged from JupyterLab's file browser, to copy to storage through the service. */
  copyWorkspacePaths(paths: string[]): void;
}

const CLASS = 'jp-Atelier-StorageBrowser';
/** What a storage row puts on a drag: `{ endpoint, bucket, key, kind }`. */
export const STORAGE_MIME = 'application/x-atelier-storage-object';
/** Row height in px; matches `--jp-Atelier-StorageBrowser-row-height` in style/storage.css. */
export const ROW_HEIGHT = 26;

/**
 * A name cut in the middle when the column is narrow ("iris sa…e (1).csv"), so that names that
 * differ at the end (copies, numbered files, extensions) stay told apart; the whole name is in
 * the row's tooltip, with its path and when it was modified.
 */
function ItemName(props: { name: string }): JSX.Element {
  const { name } = props;
  const tail = name.length > 8 ? name.slice(-Math.min(10, Math.floor(name.length / 2))) : '';
  return (
    <span className={`${CLASS}-itemName`} data-name={name}>
      <span className={`${CLASS}-itemNameHead`}>{name.slice(0, name.length - tail.length)}</span>
      {tail && <span className={`${CLASS}-itemNameTail`}>{tail}</span>}
    </span>
  );
}

/** The folder's path in the bucket, each part a button that opens it. */
export function Breadcrumbs(props: { model: StorageBrowserModel; trans: TranslationBundle }): JSX.Element {
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

/**
 * A button above a column that sorts the list by that column, and again the other way round. The
 * list is a listbox, not a table, so the order is in the button's name ("Name, sorted
 * ascending"), where a table would have aria-sort on its column header.
 */
export function SortHeader(props: {
  model: StorageBrowserModel;
  column: SortKey;
  label: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, column, label, trans } = props;
  const sort = model.sort;
  const active = sort.key === column;
  const Icon = sort.ascending ? caretUpIcon : caretDownIcon;
  const name = active
    ? sort.ascending
      ? trans.__('%1, sorted ascending', label)
      : trans.__('%1, sorted descending', label)
    : label;
  return (
    <button
      type="button"
      className={`${CLASS}-column ${CLASS}-column-${column}${active ? ' jp-mod-active' : ''}`}
      onClick={() => model.setSort(column)}
      aria-label={name}
      title={name}
    >
      {label}
      {active && <Icon.react tag="span" className={`${CLASS}-sortIcon`} />}
    </button>
  );
}

/**
 * The objects and folders of the folder shown, virtualized (only the rows in view exist): opened
 * by double click or Enter, dragged out as storage objects, and a drop target for the computer's files.
 * A listbox of options, one Tab stop: focus stays on the listbox, the arrows move the selection
 * and aria-activedescendant names the selected row while it is rendered. The scrolling area
 * around it holds what is not an option (the virtualizer's room, the empty folder's message).
 */
export function ItemList(props: {
  model: StorageBrowserModel;
  trans: TranslationBundle;
  actions: IBrowserActions;
}): JSX.Element {
  const { model, trans, actions } = props;
  const items = model.items;
  const parentRef = React.useRef<HTMLDivElement>(null);
  const [dropping, setDropping] = React.useState(false);
  const dragStart = React.useRef<{ x: number; y: number; item: IStorageItem } | null>(null);
  const virtualizer = usePagedVirtualizer({
    count: items.length,
    rowHeight: ROW_HEIGHT,
    source: model,
    scroller: parentRef,
    overscan: 20,
    ahead: 50
  });
  const virtualItems = virtualizer.getVirtualItems();

  const open = (item: IStorageItem) => (item.kind === 'folder' ? void model.cd(item.key) : actions.open(item));
  const selectedIndex = items.findIndex(i => i.key === model.selected?.key);
  // Only a rendered row can be the active descendant: a scrolled-away one has no element.
  const activeRendered = virtualItems.some(row => row.index === selectedIndex);
  const onKeyDown = (event: React.KeyboardEvent) => {
    // Up one folder, from an empty one too.
    if (event.key === 'Backspace' && model.prefix) {
      event.preventDefault();
      void model.cd(parentOf(model.prefix));
      return;
    }
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
      <div
        className={`${CLASS}-rows`}
        role="listbox"
        tabIndex={0}
        aria-label={trans.__('Objects')}
        aria-activedescendant={activeRendered ? `atelier-storage-row-${selectedIndex}` : undefined}
        onKeyDown={onKeyDown}
        style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
      >
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
              title={
                item.lastModified
                  ? `${model.uriOf(item.key)} · ${new Date(item.lastModified).toLocaleString()}`
                  : model.uriOf(item.key)
              }
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
              <ItemName name={item.name} />
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
