import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal, addIcon, fileUploadIcon, newFolderIcon, refreshIcon } from '@jupyterlab/ui-components';
import type { Drag } from '@lumino/dragdrop';
import type { Message } from '@lumino/messaging';
import type { StorageBrowserModel } from '../model';
import { LocationFields } from '../location-fields';
import { Breadcrumbs, IBrowserActions, ItemList, SortHeader } from './listing';

const CLASS = 'jp-Atelier-StorageBrowser';
/** What JupyterLab's file browser puts on a drag: the dragged paths. */
const CONTENTS_MIME = 'application/x-jupyter-icontents';

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

  /** Files dragged from JupyterLab's file browser are copied to storage by the service. */
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
        // The file browser offers its drags as 'move'; a copy leaves the source in place.
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
          this._actions.copyWorkspacePaths(paths);
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
        <LocationFields
          trans={trans}
          fieldClass={`${CLASS}-field`}
          endpointLabel={trans.__('Storage endpoint')}
          endpoints={model.endpoints}
          endpoint={endpoint?.id ?? ''}
          onEndpoint={id => void model.setEndpoint(id)}
          buckets={model.buckets}
          bucket={model.bucket ?? ''}
          onBucket={name => void model.setBucket(name)}
        />
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
      <div className={`${CLASS}-columns`} role="group" aria-label={trans.__('Sort by')}>
        <SortHeader model={model} column="name" label={trans.__('Name')} trans={trans} />
        <SortHeader model={model} column="size" label={trans.__('Size')} trans={trans} />
        <SortHeader model={model} column="modified" label={trans.__('Modified')} trans={trans} />
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
