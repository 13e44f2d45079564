/**
 * The job form's Browse… buttons: JupyterLab's own file dialog, opened where the field's path
 * is (or at the top of the workspace when that folder does not exist), answering the chosen
 * workspace path.
 */
import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { FileDialog } from '@jupyterlab/filebrowser';
import type { Contents } from '@jupyterlab/services';
import type { ITranslator } from '@jupyterlab/translation';

/** What a Browse… button asks for. */
export interface IBrowseRequest {
  /** A file (with one of `extensions` when given), a folder, or either. */
  kind: 'file' | 'directory' | 'any';
  extensions?: string[];
  /** The field's value now: the dialog opens on its folder. */
  current: string;
  title: string;
}

/** Asks for a workspace path in a file dialog; null when cancelled. */
export type BrowseWorkspace = (request: IBrowseRequest) => Promise<string | null>;

/** A BrowseWorkspace through JupyterLab's file dialog. */
export function fileDialogBrowser(manager: IDocumentManager, translator?: ITranslator): BrowseWorkspace {
  return async request => {
    const defaultPath = await startFolder(manager, request);
    const options = { manager, translator, title: request.title, defaultPath };
    const { extensions, kind } = request;
    const result =
      kind === 'directory'
        ? await FileDialog.getExistingDirectory(options)
        : await FileDialog.getOpenFiles({
            ...options,
            filter: (model: Contents.IModel) =>
              model.type === 'directory' || !extensions || extensions.includes(PathExt.extname(model.path)) ? {} : null
          });
    const chosen = result.button.accept ? result.value?.[0] : undefined;
    if (!chosen || (kind === 'file' && chosen.type === 'directory')) {
      return null; // Select with no file chosen: the field stays as it is
    }
    return chosen.path;
  };
}

/** The existing folder of the field's path, or '' (the top of the workspace). */
async function startFolder(manager: IDocumentManager, request: IBrowseRequest): Promise<string> {
  const current = request.current.trim().replace(/^\/+|\/+$/g, '');
  const candidates = request.kind === 'directory' ? [current, PathExt.dirname(current)] : [PathExt.dirname(current)];
  for (const folder of candidates) {
    if (!folder || folder === '.') {
      continue;
    }
    try {
      const model = await manager.services.contents.get(folder, { content: false });
      if (model.type === 'directory') {
        return folder;
      }
    } catch {
      // not there (yet): try the next one
    }
  }
  return '';
}
