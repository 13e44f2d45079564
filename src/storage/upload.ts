import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { AtelierError } from '../api/request';
import { errorMessage, formatBytes } from '../core/format';
import type { IAtelierClient } from '../tokens';
import { nameOf, parentOf, StorageBrowserModel } from './model';

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

/**
 * Uploads files from the computer into the folder the storage panel shows: one after the
 * other, asking what to do about names that are taken, with the progress, the speed and a
 * Cancel button in one notification; the folder is listed again when it is still the one shown.
 */
export async function uploadFiles(
  client: IAtelierClient,
  model: StorageBrowserModel,
  trans: TranslationBundle,
  files: File[]
): Promise<void> {
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
    trans._n('Uploading %1 file to %2', 'Uploading %1 files to %2', files.length, model.uriOf(prefix)),
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
      message: trans._n(
        'Uploaded %1 file (%2) to %3',
        'Uploaded %1 files (%2) to %3',
        uploaded,
        formatBytes(total),
        model.uriOf(prefix)
      ),
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
}
