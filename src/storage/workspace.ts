import { Dialog, InputDialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import type { TranslationBundle } from '@jupyterlab/translation';
import { downloadIcon } from '@jupyterlab/ui-components';
import type { ICreateTransfer, ITransfer } from '../api/client';
import { AtelierError } from '../api/request';
import { errorMessage, formatBytes, transferEnds } from '../core/format';
import { storageIcon } from '../icons';
import { CommandIDs, ITransfersModel } from '../tokens';
import type { IStorageContext } from './context';

/** Starts a transfer; on a name conflict asks whether to overwrite. Null when skipped. */
export async function startTransfer(
  transfers: ITransfersModel,
  trans: TranslationBundle,
  request: ICreateTransfer
): Promise<ITransfer | null> {
  try {
    return await transfers.create(request);
  } catch (e) {
    if (e instanceof AtelierError && e.code === 'exists') {
      const answer = await showDialog({
        title: trans.__('Name already taken'),
        body: e.message,
        buttons: [
          Dialog.cancelButton({ label: trans.__('Skip') }),
          Dialog.warnButton({ label: trans.__('Overwrite') })
        ],
        defaultButton: 0 // Enter skips: nothing is overwritten unless chosen
      });
      if (answer.button.accept) {
        return transfers.create({ ...request, overwrite: true });
      }
      return null;
    }
    throw e;
  }
}

/**
 * Adds the commands that move data between the workspace and object storage through the
 * service's transfers: copy the selected object or folder to the workspace, and copy the file
 * browser's selection (or given paths) to object storage.
 */
export function addWorkspaceCommands(
  context: IStorageContext,
  transfers: ITransfersModel,
  fileBrowser: IDefaultFileBrowser | null
): void {
  const { app, model, trans } = context;
  const location = () => ({ endpoint: model.endpoint?.id ?? '', bucket: model.bucket ?? '' });

  app.commands.addCommand(CommandIDs.storageCopyToWorkspace, {
    label: trans.__('Copy to Workspace…'),
    icon: downloadIcon,
    isEnabled: () => !!model.selected,
    describedBy: { args: { type: 'object', properties: { path: { type: 'string' } } } },
    execute: async args => {
      const item = model.selected;
      if (!item) {
        return;
      }
      let target = typeof args.path === 'string' ? args.path : null;
      if (target === null) {
        const folder = fileBrowser?.model.path ?? '';
        const result = await InputDialog.getText({
          title: trans.__('Copy %1 to the workspace', model.uriOf(item.key)),
          label: trans.__('Workspace path'),
          text: PathExt.join(folder, item.name)
        });
        if (!result.button.accept || result.value === null) {
          return;
        }
        target = result.value.trim();
      }
      const { endpoint, bucket } = location();
      try {
        await startTransfer(transfers, trans, {
          direction: 'to-workspace',
          endpoint,
          bucket,
          key: item.key,
          path: target,
          overwrite: false
        });
      } catch (e) {
        await showErrorMessage(trans.__('Cannot copy %1 to the workspace', item.name), errorMessage(e));
      }
    }
  });

  app.commands.addCommand(CommandIDs.copyToStorage, {
    label: trans.__('Copy to Object Storage…'),
    caption: trans.__('Copy the selected files or folders to object storage; the service moves the data'),
    icon: storageIcon,
    isVisible: () => !!fileBrowser,
    describedBy: {
      args: {
        type: 'object',
        properties: {
          paths: { type: 'array', items: { type: 'string' } },
          prefix: { type: 'string', description: 'Target folder; asked when absent' }
        }
      }
    },
    execute: async args => {
      const paths = Array.isArray(args.paths)
        ? (args.paths as string[])
        : fileBrowser
          ? Array.from(fileBrowser.selectedItems()).map(i => i.path)
          : [];
      if (!paths.length) {
        return;
      }
      if (!model.endpoint) {
        await model.initialize();
      }
      if (!model.bucket) {
        await showErrorMessage(
          trans.__('No bucket'),
          trans.__('Open Object Storage and create or choose a bucket first.')
        );
        return;
      }
      let target = typeof args.prefix === 'string' ? args.prefix : null;
      if (target === null) {
        const result = await InputDialog.getText({
          title: trans._n('Copy %1 item to object storage', 'Copy %1 items to object storage', paths.length),
          label: trans.__('Target folder in %1 (%2)', model.bucket, model.endpoint?.name ?? ''),
          text: model.prefix
        });
        if (!result.button.accept || result.value === null) {
          return;
        }
        target = result.value;
      }
      let prefix = target.trim().replace(/^\/+/, '');
      if (prefix && !prefix.endsWith('/')) {
        prefix += '/';
      }
      const { endpoint, bucket } = location();
      for (const path of paths) {
        const item = fileBrowser ? Array.from(fileBrowser.model.items()).find(i => i.path === path) : undefined;
        const isDir = item?.type === 'directory';
        const name = PathExt.basename(path);
        try {
          await startTransfer(transfers, trans, {
            direction: 'to-storage',
            endpoint,
            bucket,
            key: isDir ? `${prefix}${name}/` : `${prefix}${name}`,
            path,
            overwrite: false
          });
        } catch (e) {
          await showErrorMessage(trans.__('Cannot copy %1 to object storage', name), errorMessage(e));
        }
      }
    }
  });
}

/**
 * Says how each transfer ended, and lists again the side that received the data: the storage
 * panel after a copy to storage, the file browser after a copy to the workspace.
 */
export function followTransfers(
  context: IStorageContext,
  transfers: ITransfersModel,
  fileBrowser: IDefaultFileBrowser | null
): void {
  const { model, trans } = context;
  transfers.finished.connect((_, transfer) => {
    const { from, to } = transferEnds(transfer, model.endpoint?.scheme);
    if (transfer.state === 'completed') {
      Notification.success(trans.__('Copied %1 to %2 (%3)', from, to, formatBytes(transfer.bytesTotal)), {
        autoClose: 6000
      });
      if (transfer.direction === 'to-storage') {
        void model.refresh();
      } else {
        void fileBrowser?.model.refresh();
      }
    } else if (transfer.state === 'failed') {
      Notification.error(trans.__('Could not copy %1 to %2', from, to), {
        autoClose: false,
        actions: [
          {
            label: trans.__('Show details'),
            callback: () => void showErrorMessage(trans.__('Copy failed'), transfer.error?.message ?? '')
          }
        ]
      });
    }
  });
}
