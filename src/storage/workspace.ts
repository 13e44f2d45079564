import { Dialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
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
import { askStorageTarget, folderPrefix, IStorageTarget } from './target-dialog';
import { askWorkspaceTarget } from './workspace-target';

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
  const { app, client, model, trans } = context;
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
      const { endpoint, bucket } = location();
      const copy = (path: string) =>
        startTransfer(transfers, trans, {
          direction: 'to-workspace',
          endpoint,
          bucket,
          key: item.key,
          path,
          overwrite: false
        });
      try {
        if (typeof args.path === 'string') {
          await copy(args.path);
          return;
        }
        await askWorkspaceTarget({
          contents: app.serviceManager.contents,
          trans,
          title: trans.__('Copy %1 to the workspace', model.uriOf(item.key)),
          accept: trans.__('Copy'),
          initial: PathExt.join(fileBrowser?.model.path ?? '', item.name),
          submit: path => refusal(() => copy(path))
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
          endpoint: { type: 'string', description: 'Target endpoint; default: the storage panel’s' },
          bucket: { type: 'string', description: 'Target bucket; default: the storage panel’s' },
          prefix: { type: 'string', description: 'Target folder; asked (with the endpoint and bucket) when absent' }
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
      const items = fileBrowser ? Array.from(fileBrowser.model.items()) : [];
      const names = paths.map(path => {
        const isDir = items.find(i => i.path === path)?.type === 'directory';
        return `${PathExt.basename(path)}${isDir ? '/' : ''}`;
      });
      // Copies each path; a refusal of the first (before anything started) goes back to the dialog.
      const copy = async (target: IStorageTarget): Promise<string | null> => {
        for (const [i, path] of paths.entries()) {
          const { endpoint, bucket, prefix } = target;
          try {
            await startTransfer(transfers, trans, {
              direction: 'to-storage',
              endpoint,
              bucket,
              key: prefix + names[i],
              path,
              overwrite: false
            });
          } catch (e) {
            if (i === 0 && e instanceof AtelierError && e.status >= 400 && e.status < 500 && e.code !== 'exists') {
              return e.message;
            }
            await showErrorMessage(trans.__('Cannot copy %1 to object storage', names[i]), errorMessage(e));
          }
        }
        return null;
      };
      const given = {
        endpoint: typeof args.endpoint === 'string' ? args.endpoint : (model.endpoint?.id ?? ''),
        bucket: typeof args.bucket === 'string' ? args.bucket : (model.bucket ?? ''),
        prefix: typeof args.prefix === 'string' ? args.prefix : null
      };
      if (given.prefix !== null && given.endpoint && given.bucket) {
        await copy({ ...given, prefix: folderPrefix(given.prefix.replace(/^\/+/, '')) });
        return;
      }
      await askStorageTarget({
        client,
        trans,
        title: trans._n('Copy %1 item to object storage', 'Copy %1 items to object storage', paths.length),
        accept: trans.__('Copy'),
        names,
        initial: { endpoint: given.endpoint, bucket: given.bucket, prefix: given.prefix ?? model.prefix },
        endpoints: model.endpoints,
        submit: copy
      });
    }
  });
}

/** Runs a copy; the service's refusal of its request (a 4xx) is the reason to show in the dialog. */
async function refusal(work: () => Promise<unknown>): Promise<string | null> {
  try {
    await work();
    return null;
  } catch (e) {
    if (e instanceof AtelierError && e.status >= 400 && e.status < 500) {
      return e.message;
    }
    throw e;
  }
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
