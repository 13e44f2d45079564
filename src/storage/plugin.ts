import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  Clipboard,
  Dialog,
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import {
  copyIcon,
  deleteIcon,
  downloadIcon,
  editIcon,
  fileUploadIcon,
  newFolderIcon,
  addIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import type { Drag } from '@lumino/dragdrop';
import { Widget } from '@lumino/widgets';
import type { ITransfer } from '../api/client';
import { AtelierError } from '../api/request';
import { storageIcon } from '../icons';
import { CommandIDs, IAtelierClient, TRANSLATION_DOMAIN } from '../tokens';
import { TransfersModel } from '../transfers/model';
import { TransfersList, TransfersStatusItem } from '../transfers/widgets';
import { describeTransfer, errorMessage, formatBytes } from '../core/format';
import { IStorageItem, nameOf, parentOf, StorageBrowserModel } from './model';
import { STORAGE_MIME, StorageBrowser } from './widgets/browser';
import { StoragePreview } from './widgets/preview';

const PLUGIN_ID = 'jupyterlab-atelier:storage';
/** Files larger than this go up in resumable parts. */
const RESUMABLE_ABOVE = 8 * 1024 * 1024;

type Conflict = 'overwrite' | 'skip' | 'keep-both';

/** Asks what to do about a name that is taken. */
async function askConflict(trans: TranslationBundle, what: string): Promise<{ choice: Conflict; forAll: boolean }> {
  const body = document.createElement('div');
  const text = document.createElement('p');
  text.textContent = trans.__('"%1" already exists.', what);
  const label = document.createElement('label');
  const all = document.createElement('input');
  all.type = 'checkbox';
  label.append(all, ' ', trans.__('Do the same for the other files'));
  body.append(text, label);
  const result = await showDialog({
    title: trans.__('Name already taken'),
    body: new Widget({ node: body }),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Skip') }),
      Dialog.createButton({ label: trans.__('Keep Both') }),
      Dialog.warnButton({ label: trans.__('Overwrite') })
    ],
    // Enter keeps both: the safe choice, nothing is lost.
    defaultButton: 1
  });
  const choice: Conflict =
    result.button.label === trans.__('Overwrite')
      ? 'overwrite'
      : result.button.label === trans.__('Keep Both')
        ? 'keep-both'
        : 'skip';
  return { choice, forAll: all.checked };
}

/** `name (1).ext`, `name (2).ext`, … until `taken` says no. */
async function freeName(key: string, taken: (key: string) => Promise<boolean>): Promise<string> {
  const folder = parentOf(key);
  const name = nameOf(key);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let i = 1; i < 1000; i++) {
    const candidate = `${folder}${stem} (${i})${ext}`;
    if (!(await taken(candidate))) {
      return candidate;
    }
  }
  throw new Error('no free name');
}

/** The object storage panel, its commands, transfers and their status bar item. */
export const storagePlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Object storage (OBS or any S3) in a sidebar, and transfers between it and the workspace.',
  autoStart: true,
  requires: [IAtelierClient],
  optional: [ITranslator, ILayoutRestorer, ILauncher, ICommandPalette, IDefaultFileBrowser, IStatusBar],
  activate: (
    app: JupyterFrontEnd,
    client: IAtelierClient,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    fileBrowser: IDefaultFileBrowser | null,
    statusBar: IStatusBar | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands } = app;
    const model = new StorageBrowserModel({ client });
    const transfers = new TransfersModel(client);
    const category = trans.__('Atelier');

    const uploadFiles = async (files: File[]) => {
      const endpoint = model.endpoint?.id;
      const bucket = model.bucket;
      if (!endpoint || !bucket) {
        return;
      }
      const prefix = model.prefix;
      const total = files.reduce((sum, f) => sum + f.size, 0);
      const controller = new AbortController();
      const started = Date.now();
      let sent = 0;
      let uploaded = 0;
      let remembered: Conflict | null = null;
      const id = Notification.emit(
        trans.__('Uploading %1 file(s) to %2', files.length, model.uriOf(prefix)),
        'in-progress',
        {
          autoClose: false,
          actions: [{ label: trans.__('Cancel'), callback: () => controller.abort() }]
        }
      );
      let index = 0;
      let currentName = '';
      let currentSize = 0;
      const report = (current: number) => {
        const done = sent + current;
        const seconds = (Date.now() - started) / 1000;
        const speed = seconds > 0 ? `${formatBytes(done / seconds)}/s` : '';
        const filePercent = currentSize ? Math.floor((100 * current) / currentSize) : 100;
        Notification.update({
          id,
          message: trans.__(
            'Uploading %1 (%2 of %3): %4% · all files %5 of %6 · %7 → %8',
            currentName,
            index,
            files.length,
            filePercent,
            formatBytes(done),
            formatBytes(total),
            speed,
            model.uriOf(prefix)
          ),
          type: 'in-progress',
          autoClose: false,
          actions: [{ label: trans.__('Cancel'), callback: () => controller.abort() }]
        });
      };
      try {
        for (const file of files) {
          index += 1;
          currentName = file.name;
          currentSize = file.size;
          const relative = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
          let key = `${prefix}${relative}`;
          let overwrite = false;
          if (await client.exists(endpoint, bucket, key)) {
            const decision =
              remembered ?? (await askConflict(trans, key).then(r => (r.forAll ? (remembered = r.choice) : r.choice)));
            if (decision === 'skip') {
              sent += file.size;
              continue;
            }
            if (decision === 'overwrite') {
              overwrite = true;
            } else {
              key = await freeName(key, k => client.exists(endpoint, bucket, k));
            }
          }
          // Large files go up in parts, resumably; small ones in one request.
          const upload = file.size > RESUMABLE_ABOVE ? client.uploadResumable.bind(client) : client.upload.bind(client);
          await upload(endpoint, bucket, key, file, { overwrite, signal: controller.signal, onProgress: report });
          sent += file.size;
          uploaded += 1;
        }
        Notification.update({
          id,
          message: trans.__('Uploaded %1 file(s) (%2) to %3', uploaded, formatBytes(total), model.uriOf(prefix)),
          type: 'success',
          autoClose: 5000,
          actions: []
        });
      } catch (e) {
        Notification.update({
          id,
          message: controller.signal.aborted
            ? trans.__('Upload cancelled; nothing partial was stored.')
            : e instanceof AtelierError && e.status === 0
              ? trans.__(
                  'Upload interrupted: %1 Large files resume where they stopped: upload the same files again.',
                  errorMessage(e)
                )
              : trans.__('Upload failed: %1', errorMessage(e)),
          type: controller.signal.aborted ? 'warning' : 'error',
          autoClose: controller.signal.aborted ? 5000 : false,
          actions: []
        });
      }
      if (model.endpoint?.id === endpoint && model.bucket === bucket && model.prefix === prefix) {
        await model.refresh();
      }
    };

    /** Starts a transfer; on a name conflict asks whether to overwrite. */
    const startTransfer = async (
      request: Parameters<IAtelierClient['createTransfer']>[0]
    ): Promise<ITransfer | null> => {
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
    };

    const browser = new StorageBrowser(model, trans, {
      open: item => void commands.execute(CommandIDs.storageOpenItem, { key: item.key }),
      newFolder: () => void commands.execute(CommandIDs.storageNewFolder),
      newBucket: () => void commands.execute(CommandIDs.storageNewBucket),
      upload: files => void uploadFiles(files),
      uploadWorkspacePaths: paths => void commands.execute(CommandIDs.uploadToStorage, { paths, prefix: model.prefix })
    });
    browser.id = 'jp-atelier-storage';
    browser.title.icon = storageIcon;
    browser.title.caption = trans.__('Object Storage');
    // On the right, beside the file browser on the left: drag between the two.
    app.shell.add(browser, 'right', { rank: 1 });
    restorer?.add(browser, 'atelier-storage');

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
        app.shell.activateById(browser.id);
        const bucket = args.bucket as string | undefined;
        if (!bucket) {
          return;
        }
        await model.initialize();
        const endpoint =
          (args.endpoint as string | undefined) ?? model.endpoints.find(e => e.scheme === args.scheme)?.id;
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
        const result = await InputDialog.getText({
          title: trans.__('New folder in %1', model.uriOf(model.prefix)),
          placeholder: trans.__('folder name')
        });
        const name = result.value?.trim();
        if (!result.button.accept || !name) {
          return;
        }
        const { endpoint, bucket } = location();
        try {
          await client.createFolder(endpoint, bucket, `${model.prefix}${name.replace(/\/+$/, '')}/`);
          await model.refresh();
        } catch (e) {
          await showErrorMessage(trans.__('Cannot create the folder'), errorMessage(e));
        }
      }
    });

    commands.addCommand(CommandIDs.storageNewBucket, {
      label: trans.__('New Bucket…'),
      icon: addIcon,
      isEnabled: () => !!model.endpoint,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        const result = await InputDialog.getText({
          title: trans.__('New bucket on %1', model.endpoint?.name ?? ''),
          placeholder: trans.__('3-63 lowercase letters, digits, dots or hyphens')
        });
        const name = result.value?.trim();
        if (!result.button.accept || !name) {
          return;
        }
        try {
          await client.createBucket(model.endpoint!.id, name);
          await model.reloadBuckets(name);
        } catch (e) {
          await showErrorMessage(trans.__('Cannot create the bucket'), errorMessage(e));
        }
      }
    });

    commands.addCommand(CommandIDs.storageUpload, {
      label: trans.__('Upload Files to Object Storage…'),
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
            void uploadFiles(files);
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
              '%1 (%2) is larger than the %3 that jupyter-server-proxy passes to the browser. Download it to the workspace, then save it from the file browser (Download).',
              item.name,
              formatBytes(item.size ?? 0),
              formatBytes(limit)
            ),
            buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Download to Workspace…') })]
          });
          if (choice.button.accept) {
            await commands.execute(CommandIDs.storageDownloadToWorkspace);
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

    commands.addCommand(CommandIDs.storageDownloadToWorkspace, {
      label: trans.__('Download to Workspace…'),
      icon: downloadIcon,
      isEnabled: hasSelection,
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
            title: trans.__('Download %1 to the workspace', model.uriOf(item.key)),
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
          await startTransfer({
            direction: 'download',
            endpoint,
            bucket,
            key: item.key,
            path: target,
            overwrite: false
          });
        } catch (e) {
          await showErrorMessage(trans.__('Cannot download %1', item.name), errorMessage(e));
        }
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

    const copyOrMove = async (move: boolean) => {
      const item = model.selected;
      if (!item) {
        return;
      }
      const isFolder = item.kind === 'folder';
      const result = await InputDialog.getText({
        title: move ? trans.__('Rename or move %1', item.name) : trans.__('Copy %1', item.name),
        label: isFolder
          ? trans.__('New folder path in the bucket (ends with /)')
          : trans.__('New object path in the bucket'),
        text: move
          ? item.key
          : isFolder
            ? `${item.key.slice(0, -1)}-copy/`
            : `${parentOf(item.key)}copy of ${item.name}`
      });
      let to = result.value?.trim();
      if (!result.button.accept || !to || to === item.key) {
        return;
      }
      if (isFolder && !to.endsWith('/')) {
        to += '/';
      }
      const { endpoint, bucket } = location();
      try {
        await client.copy(endpoint, bucket, { from: item.key, to, move });
      } catch (e) {
        if (e instanceof AtelierError && e.code === 'exists') {
          const answer = await showDialog({
            title: trans.__('Name already taken'),
            body: e.message,
            buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Overwrite') })],
            defaultButton: 0 // Enter cancels: nothing is overwritten unless chosen
          });
          if (answer.button.accept) {
            await client
              .copy(endpoint, bucket, { from: item.key, to, move, overwrite: true })
              .catch(err => showErrorMessage(trans.__('Cannot copy'), errorMessage(err)));
          }
        } else {
          await showErrorMessage(move ? trans.__('Cannot rename') : trans.__('Cannot copy'), errorMessage(e));
        }
      }
      await model.refresh();
    };

    commands.addCommand(CommandIDs.storageRename, {
      label: trans.__('Rename or Move…'),
      icon: editIcon,
      isEnabled: hasSelection,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => copyOrMove(true)
    });

    commands.addCommand(CommandIDs.storageCopy, {
      label: trans.__('Copy to…'),
      icon: copyIcon,
      isEnabled: hasSelection,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => copyOrMove(false)
    });

    commands.addCommand(CommandIDs.storageDelete, {
      label: trans.__('Delete from Object Storage…'),
      icon: deleteIcon,
      isEnabled: hasSelection,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        const item = model.selected;
        if (!item) {
          return;
        }
        const { endpoint, bucket } = location();
        let body = trans.__('Delete %1? This cannot be undone.', model.uriOf(item.key));
        if (item.kind === 'folder') {
          try {
            const count = await client.count(endpoint, bucket, item.key);
            body = trans.__(
              'Delete the folder %1 and the %2 object(s) in it (%3)? This cannot be undone.',
              model.uriOf(item.key),
              count.objects,
              formatBytes(count.bytes)
            );
          } catch (e) {
            await showErrorMessage(trans.__('Cannot delete'), errorMessage(e));
            return;
          }
        }
        const answer = await showDialog({
          title: trans.__('Delete'),
          body,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Delete') })]
        });
        if (!answer.button.accept) {
          return;
        }
        try {
          const result = await client.delete(
            endpoint,
            bucket,
            item.kind === 'folder' ? { prefix: item.key } : { key: item.key }
          );
          Notification.success(trans._n('Deleted %1 object', 'Deleted %1 objects', result.deleted), {
            autoClose: 4000
          });
        } catch (e) {
          await showErrorMessage(trans.__('Cannot delete'), errorMessage(e));
        }
        await model.refresh();
      }
    });

    commands.addCommand(CommandIDs.uploadToStorage, {
      label: trans.__('Upload to Object Storage…'),
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
            title: trans.__('Upload %1 item(s) to object storage', paths.length),
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
            await startTransfer({
              direction: 'upload',
              endpoint,
              bucket,
              key: isDir ? `${prefix}${name}/` : `${prefix}${name}`,
              path,
              overwrite: false
            });
          } catch (e) {
            await showErrorMessage(trans.__('Cannot upload %1', name), errorMessage(e));
          }
        }
      }
    });

    commands.addCommand(CommandIDs.showTransfers, {
      label: trans.__('Show Transfers'),
      caption: trans.__('Transfers between the workspace and object storage'),
      icon: storageIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        await transfers.refresh().catch(() => undefined);
        await showDialog({
          title: trans.__('Transfers'),
          body: new TransfersList(transfers, trans),
          buttons: [Dialog.okButton({ label: trans.__('Close') })]
        });
      }
    });

    for (const command of [
      CommandIDs.openStorage,
      CommandIDs.storageRefresh,
      CommandIDs.storageNewFolder,
      CommandIDs.storageNewBucket,
      CommandIDs.storageUpload,
      CommandIDs.showTransfers
    ]) {
      palette?.addItem({ command, category });
    }
    launcher?.add({ command: CommandIDs.openStorage, category: trans.__('Other'), rank: 50 });

    transfers.finished.connect((_, transfer) => {
      const what = describeTransfer(transfer, model.endpoint?.scheme);
      if (transfer.state === 'completed') {
        Notification.success(trans.__('Transfer completed: %1 (%2)', what, formatBytes(transfer.bytesTotal)), {
          autoClose: 6000
        });
        if (transfer.direction === 'upload') {
          void model.refresh();
        } else {
          void fileBrowser?.model.refresh();
        }
      } else if (transfer.state === 'failed') {
        Notification.error(trans.__('Transfer failed: %1', what), {
          autoClose: false,
          actions: [
            {
              label: trans.__('Show details'),
              callback: () => void showErrorMessage(trans.__('Transfer failed'), transfer.error?.message ?? '')
            }
          ]
        });
      }
    });

    // Objects dragged from the storage panel onto the file browser are downloaded there.
    if (fileBrowser) {
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
          void startTransfer({
            direction: 'download',
            endpoint: source.endpoint,
            bucket: source.bucket,
            key: source.key,
            path: PathExt.join(dir, name),
            overwrite: false
          }).catch(e => showErrorMessage(trans.__('Cannot download %1', name), errorMessage(e)));
        } else if (event.type === 'lm-dragleave') {
          node.classList.remove('jp-mod-dropTarget');
        } else {
          drag.dropAction = 'copy';
          node.classList.add('jp-mod-dropTarget');
        }
      };
      for (const type of ['lm-dragenter', 'lm-dragover', 'lm-dragleave', 'lm-drop']) {
        node.addEventListener(type, onDrag, true);
      }
    }

    if (statusBar) {
      const item = new TransfersStatusItem(transfers, trans, () => void commands.execute(CommandIDs.showTransfers));
      statusBar.registerStatusItem(`${PLUGIN_ID}:transfers`, {
        item,
        align: 'left',
        rank: 20,
        isActive: () => transfers.active.length > 0,
        activeStateChanged: transfers.changed
      });
    }

    // Never await the network in activate.
    void app.restored.then(async () => {
      await model.initialize();
      await transfers.start();
    });
  }
};
