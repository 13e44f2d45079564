/**
 * The object previews open in the main area, by where their object is, so that a rename or a
 * move in the storage panel is reflected in their tabs and headers.
 */
import type { MainAreaWidget } from '@jupyterlab/apputils';
import type { StoragePreview } from './widgets/preview';

interface IWhere {
  endpoint: string;
  bucket: string;
  key: string;
}

export class Previews {
  /** Follows `widget`, the preview of `where`, until it is closed. */
  add(widget: MainAreaWidget<StoragePreview>, where: IWhere): void {
    this._open.set(widget, { ...where });
    widget.disposed.connect(() => this._open.delete(widget));
  }

  /**
   * The object `from` (or, ending with '/', the folder and all in it) moved to `to` in the same
   * bucket; `uriOf` writes a key as the panel shows it.
   */
  moved(endpoint: string, bucket: string, from: string, to: string, uriOf: (key: string) => string): void {
    for (const [widget, where] of this._open) {
      if (where.endpoint !== endpoint || where.bucket !== bucket) {
        continue;
      }
      let key: string | null = null;
      if (from.endsWith('/')) {
        key = where.key.startsWith(from) ? `${to}${where.key.slice(from.length)}` : null;
      } else if (where.key === from) {
        key = to.endsWith('/') ? `${to}${from.split('/').pop()}` : to;
      }
      if (key !== null) {
        where.key = key;
        widget.content.relocate(key, uriOf(key));
        widget.title.label = key.split('/').pop() ?? key;
        widget.title.caption = uriOf(key);
      }
    }
  }

  private _open = new Map<MainAreaWidget<StoragePreview>, IWhere>();
}
