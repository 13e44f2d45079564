import {
  Clipboard,
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import type { ILauncher } from '@jupyterlab/launcher';
import {
  addIcon,
  copyIcon,
  deleteIcon,
  downloadIcon,
  editIcon,
  fileUploadIcon,
  newFolderIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import { errorMessage, formatBytes } from '../core/format';
import { storageIcon } from '../icons';
import { CommandIDs } from '../tokens';
import type { IStorageItem } from './model';
import { askName } from './name-dialog';
import { bucketProblem, keyProblem } from './names';
import { uploadFiles } from './upload';
import { copyOrMove, remove } from './operations';
import type { IStorageContext } from './context';
import { StoragePreview } from './widgets/preview';

/** What the storage commands work on. */
export type { IStorageContext } from './context';

/**
 * Adds the commands of the storage panel (open, refresh, new folder and bucket, upload from
 * the computer, preview, download, copy the path, rename, copy, delete), puts the panel's
 * main ones in the palette and opens the panel from the launcher.
 */
export function addStorageCommands(
  context: IStorageContext,
  panelId: string,
  palette: ICommandPalette | null,
  launcher: ILauncher | null
): void {
  const { app, client, model, trans } = context;
  const { commands } = app;
  const selectedItem = (args: { key?: unknown }): IStorageItem | null => {
    if (typeof args.key === 'string') {
      return model.items.find(i => i.key === args.key) ?? null;
    }
    return model.selected;
  };
  const location = () => ({ endpoint: model.endpoint?.id ?? '', bucket: model.bucket ?? '' });
  const hasSelection = () => !!model.selected;
  const hasBucket = () => !!model.bucket;

  commands.addCommand(CommandIDs.openStorage, {
    label: trans.__('Object Storage'),
    caption: trans.__('Browse object storage (OBS, S3) and move data to and from the workspace'),
    icon: storageIcon,
    describedBy: {
      args: {
        type: 'object',
        properties: {
          endpoint: { type: 'string', description: trans.__('The endpoint id') },
          scheme: {
            type: 'string',
            description: trans.__('Or the URI scheme (s3, obs): the first endpoint with it')
          },
          bucket: { type: 'string' },
          prefix: { type: 'string', description: trans.__('The folder to show, ending with "/"') }
        }
      }
    },
    execute: async args => {
      app.shell.activateById(panelId);
      const bucket = args.bucket as string | undefined;
      if (!bucket) {
        return;
      }
      await model.initialize();
      const endpoint =
        (args.endpoint as string | undefined) ?? model.endpoints?.find(e => e.scheme === args.scheme)?.id;
      if (endpoint && endpoint !== model.endpoint?.id) {
        await model.setEndpoint(endpoint);
      }
      await model.setBucket(bucket, (args.prefix as string | undefined) ?? '');
    }
  });

  commands.addCommand(CommandIDs.storageRefresh, {
    label: trans.__('Refresh Object Storage'),
    icon: refreshIcon,
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => model.refreshAll()
  });

  commands.addCommand(CommandIDs.storageNewFolder, {
    label: trans.__('New Storage Folder…'),
    icon: newFolderIcon,
    isEnabled: hasBucket,
    describedBy: { args: { type: 'object', properties: {} } },
    execute: async () => {
      const { endpoint, bucket } = location();
      await askName({
        title: trans.__('New folder in %1', model.uriOf(model.prefix)),
        label: trans.__('Folder name'),
        placeholder: trans.__('folder name'),
        rule: trans.__('Any name without "/" at the start; "a/b" makes a folder in a folder.'),
        check: name => keyProblem(name, trans),
        accept: trans.__('Create'),
        trans,
        submit: async name => {
          try {
            await client.createFolder(endpoint, bucket, `${model.prefix}${name.replace(/\/+$/, '')}/`);
            await model.refresh();
            return null;
          } catch (e) {
            return errorMessage(e);
          }
        }
      });
    }
  });

  commands.addCommand(CommandIDs.storageNewBucket, {
    label: trans.__('New Bucket…'),
    icon: addIcon,
    isEnabled: () => !!model.endpoint,
    describedBy: { args: { type: 'object', properties: {} } },
    execute: async () => {
      const endpoint = model.endpoint;
      if (!endpoint) {
        return;
      }
      await askName({
        title: trans.__('New bucket on %1', endpoint.name),
        label: trans.__('Bucket name'),
        placeholder: trans.__('my-bucket'),
        rule: trans.__('3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit.'),
        check: name => bucketProblem(name, trans),
        accept: trans.__('Create'),
        trans,
        submit: async name => {
          try {
            await client.createBucket(endpoint.id, name);
            await model.reloadBuckets(name);
            return null;
          } catch (e) {
            return errorMessage(e);
          }
        }
      });
    }
  });

  commands.addCommand(CommandIDs.storageUpload, {
    label: trans.__('Upload Files from This Computer…'),
    icon: fileUploadIcon,
    isEnabled: hasBucket,
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => {
      const input = document.createElement('input');
      input.type = 'file';
      input.multiple = true;
      input.onchange = () => {
        const files = Array.from(input.files ?? []);
        if (files.length) {
          void uploadFiles(client, model, trans, files);
        }
      };
      input.click();
    }
  });

  commands.addCommand(CommandIDs.storageOpenItem, {
    label: args => (selectedItem(args)?.kind === 'folder' ? trans.__('Open') : trans.__('Preview')),
    isEnabled: args => !!selectedItem(args),
    describedBy: { args: { type: 'object', properties: { key: { type: 'string' } } } },
    execute: async args => {
      const item = selectedItem(args);
      if (!item) {
        return;
      }
      if (item.kind === 'folder') {
        return model.cd(item.key);
      }
      const { endpoint, bucket } = location();
      try {
        const blob = await client.preview(endpoint, bucket, item.key);
        const content = new StoragePreview(model.uriOf(item.key), item.key, blob, trans);
        await content.load();
        const widget = new MainAreaWidget({ content });
        widget.id = `atelier-preview-${Date.now()}`;
        widget.title.label = item.name;
        widget.title.caption = model.uriOf(item.key);
        widget.title.icon = storageIcon;
        widget.title.closable = true;
        app.shell.add(widget, 'main');
        context.previews.add(widget, { endpoint, bucket, key: item.key });
      } catch (e) {
        await showErrorMessage(trans.__('Cannot preview %1', item.name), errorMessage(e));
      }
    }
  });

  commands.addCommand(CommandIDs.storageDownload, {
    label: trans.__('Download to This Computer'),
    icon: downloadIcon,
    isEnabled: () => model.selected?.kind === 'object',
    describedBy: { args: { type: 'object', properties: {} } },
    execute: async () => {
      const item = model.selected;
      if (!item || item.kind !== 'object') {
        return;
      }
      const { endpoint, bucket } = location();
      // Behind jupyter-server-proxy a larger response never arrives: say so, and offer the way round.
      const limit = (await client.status().catch(() => null))?.maxResponseBytes;
      if (limit && (item.size ?? 0) > limit) {
        const choice = await showDialog({
          title: trans.__('Too large to download here'),
          body: trans.__(
            '%1 (%2) is larger than the %3 that jupyter-server-proxy passes to the browser. Copy it to the workspace, then save it from the file browser (Download).',
            item.name,
            formatBytes(item.size ?? 0),
            formatBytes(limit)
          ),
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Copy to Workspace…') })]
        });
        if (choice.button.accept) {
          await commands.execute(CommandIDs.storageCopyToWorkspace);
        }
        return;
      }
      const link = document.createElement('a');
      link.href = client.downloadUrl(endpoint, bucket, item.key);
      link.download = item.name;
      document.body.appendChild(link);
      link.click();
      link.remove();
    }
  });

  commands.addCommand(CommandIDs.storageCopyPath, {
    label: trans.__('Copy Storage Path'),
    caption: trans.__('Copy the s3:// or obs:// path, ready to paste into code'),
    icon: copyIcon,
    isEnabled: hasSelection,
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => {
      const item = model.selected;
      if (item) {
        Clipboard.copyToSystem(model.uriOf(item.key));
        Notification.info(trans.__('Copied %1', model.uriOf(item.key)), { autoClose: 3000 });
      }
    }
  });

  commands.addCommand(CommandIDs.storageRename, {
    label: trans.__('Rename or Move…'),
    icon: editIcon,
    isEnabled: hasSelection,
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => copyOrMove(context, true)
  });

  commands.addCommand(CommandIDs.storageCopy, {
    label: trans.__('Copy to…'),
    icon: copyIcon,
    isEnabled: hasSelection,
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => copyOrMove(context, false)
  });

  commands.addCommand(CommandIDs.storageDelete, {
    label: trans.__('Delete from Object Storage…'),
    icon: deleteIcon,
    isEnabled: hasSelection,
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => remove(context)
  });

  const category = trans.__('Atelier');
  for (const command of [
    CommandIDs.openStorage,
    CommandIDs.storageRefresh,
    CommandIDs.storageNewFolder,
    CommandIDs.storageNewBucket,
    CommandIDs.storageUpload
  ]) {
    palette?.addItem({ command, category });
  }
  launcher?.add({ command: CommandIDs.openStorage, category: trans.__('Other'), rank: 50 });
}
