import { showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Drag } from '@lumino/dragdrop';
import { errorMessage } from '../core/format';
import type { ITransfersModel } from '../tokens';
import { nameOf } from './model';
import { STORAGE_MIME } from './widgets/listing';
import { startTransfer } from './workspace';

/** The drag events the file browser hears while a storage row is dragged over it. */
const DRAG_EVENTS = ['lm-dragenter', 'lm-dragover', 'lm-dragleave', 'lm-drop'];

/**
 * Makes JupyterLab's file browser a drop target for the storage panel's rows: an object or a
 * folder dropped on it is copied there (into the folder row it was dropped on, if any)
 * by a transfer of the service.
 */
export function acceptStorageDrops(
  fileBrowser: IDefaultFileBrowser,
  transfers: ITransfersModel,
  trans: TranslationBundle
): void {
  const node = fileBrowser.node;
  const onDrag = (event: Event) => {
    const drag = event as Drag.Event;
    if (!drag.mimeData?.hasData(STORAGE_MIME)) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    const row = (event.target as HTMLElement | null)?.closest?.('.jp-DirListing-item') as HTMLElement | null;
    if (event.type === 'lm-drop') {
      node.classList.remove('jp-mod-dropTarget');
      drag.dropAction = 'copy';
      const source = drag.mimeData.getData(STORAGE_MIME) as {
        endpoint: string;
        bucket: string;
        key: string;
        kind: string;
      };
      const folderPath = fileBrowser.model.path;
      const onFolder =
        row?.dataset.isdir === 'true' ? row.querySelector('.jp-DirListing-itemText')?.textContent?.trim() : null;
      const dir = onFolder ? PathExt.join(folderPath, onFolder) : folderPath;
      const name = nameOf(source.key);
      void startTransfer(transfers, trans, {
        direction: 'to-workspace',
        endpoint: source.endpoint,
        bucket: source.bucket,
        key: source.key,
        path: PathExt.join(dir, name),
        overwrite: false
      }).catch(e => showErrorMessage(trans.__('Cannot copy %1 to the workspace', name), errorMessage(e)));
    } else if (event.type === 'lm-dragleave') {
      node.classList.remove('jp-mod-dropTarget');
    } else {
      drag.dropAction = 'copy';
      node.classList.add('jp-mod-dropTarget');
    }
  };
  for (const type of DRAG_EVENTS) {
    node.addEventListener(type, onDrag, true);
  }
}
