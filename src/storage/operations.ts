/**
 * The storage panel's operations that ask first: copy, rename or move (with the name dialog and
 * the overwrite question) and delete (with the count of what goes).
 */
import { Dialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { AtelierError } from '../api/request';
import { errorMessage, formatBytes } from '../core/format';
import type { IStorageContext } from './context';
import { parentOf } from './model';
import { askName } from './name-dialog';
import { keyProblem } from './names';

/** Copies or moves (renames) the selected object or folder, asking for the new path. */
export async function copyOrMove(context: IStorageContext, move: boolean): Promise<void> {
  const { client, model, trans } = context;
  const item = model.selected;
  if (!item) {
    return;
  }
  const isFolder = item.kind === 'folder';
  const endpoint = model.endpoint?.id ?? '';
  const bucket = model.bucket ?? '';
  // A rename or a move takes the object's open previews along.
  const moved = (to: string) => move && context.previews.moved(endpoint, bucket, item.key, to, k => model.uriOf(k));
  const targetOf = (typed: string) => (isFolder && !typed.endsWith('/') ? `${typed}/` : typed);
  const done = (to: string, result: { copied: number }) =>
    Notification.success(
      move
        ? trans.__('Moved %1 to %2', model.uriOf(item.key), model.uriOf(to))
        : trans._n('Copied %1 object to %2', 'Copied %1 objects to %2', result.copied, model.uriOf(to)),
      { autoClose: 4000 }
    );
  await askName({
    title: move ? trans.__('Rename or move %1', item.name) : trans.__('Copy %1', item.name),
    label: isFolder
      ? trans.__('New folder path in the bucket (ends with /)')
      : trans.__('New object path in the bucket'),
    text: move ? item.key : isFolder ? `${item.key.slice(0, -1)}-copy/` : `${parentOf(item.key)}copy of ${item.name}`,
    rule: trans.__('A path in %1; "/" separates folders.', model.uriOf('')),
    check: typed =>
      keyProblem(typed, trans) ?? (targetOf(typed) === item.key ? trans.__('That is where it is now.') : null),
    accept: move ? trans.__('Move') : trans.__('Copy'),
    trans,
    submit: async typed => {
      const to = targetOf(typed);
      try {
        done(to, await client.copy(endpoint, bucket, { from: item.key, to, move }));
        moved(to);
      } catch (e) {
        if (!(e instanceof AtelierError && e.code === 'exists')) {
          return errorMessage(e);
        }
        const answer = await showDialog({
          title: trans.__('Name already taken'),
          body: e.message,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Overwrite') })],
          defaultButton: 0 // Enter cancels: nothing is overwritten unless chosen
        });
        if (!answer.button.accept) {
          return e.message; // back to the name, as typed
        }
        try {
          done(to, await client.copy(endpoint, bucket, { from: item.key, to, move, overwrite: true }));
          moved(to);
        } catch (again) {
          return errorMessage(again);
        }
      }
      await model.refresh();
      return null;
    }
  });
}

/** Deletes the selected object, or the selected folder and everything in it, once confirmed. */
export async function remove(context: IStorageContext): Promise<void> {
  const { client, model, trans } = context;
  const item = model.selected;
  if (!item) {
    return;
  }
  const endpoint = model.endpoint?.id ?? '';
  const bucket = model.bucket ?? '';
  let body = trans.__('Delete %1? This cannot be undone.', model.uriOf(item.key));
  if (item.kind === 'folder') {
    try {
      const count = await client.count(endpoint, bucket, item.key);
      const what = [
        ...(count.objects ? [trans._n('%1 object', '%1 objects', count.objects)] : []),
        ...(count.folders ? [trans._n('%1 subfolder', '%1 subfolders', count.folders)] : [])
      ];
      body = what.length
        ? trans.__(
            'Delete the folder %1 and everything in it: %2 (%3)? This cannot be undone.',
            model.uriOf(item.key),
            what.join(trans.__(' and ')),
            formatBytes(count.bytes)
          )
        : trans.__('Delete the empty folder %1? This cannot be undone.', model.uriOf(item.key));
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
