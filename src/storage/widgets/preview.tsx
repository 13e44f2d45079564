import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';

const CLASS = 'jp-Atelier-StoragePreview';
const MAX_ROWS = 200;

/** Parses CSV (quoted fields, embedded commas and newlines) into rows. */
export function parseCsv(text: string, maxRows = MAX_ROWS): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length && rows.length < maxRows; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') {
        i++;
      }
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if ((field !== '' || row.length) && rows.length < maxRows) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export type PreviewKind = 'image' | 'csv' | 'json' | 'text';

export function previewKind(key: string, type: string): PreviewKind {
  const lower = key.toLowerCase();
  if (/^image\//.test(type) || /\.(png|jpe?g|gif|webp|svg)$/.test(lower)) {
    return 'image';
  }
  if (lower.endsWith('.csv')) {
    return 'csv';
  }
  if (lower.endsWith('.json') || lower.endsWith('.ipynb')) {
    return 'json';
  }
  return 'text';
}

/** A read-only view of an object: text, CSV as a table, JSON formatted, or an image. */
export class StoragePreview extends ReactWidget {
  constructor(
    private _uri: string,
    private _key: string,
    private readonly _blob: Blob,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass(CLASS);
  }

  /** The object was renamed or moved: the header says where it is now. */
  relocate(key: string, uri: string): void {
    this._key = key;
    this._uri = uri;
    this.update();
  }

  async load(): Promise<void> {
    const kind = previewKind(this._key, this._blob.type);
    if (kind === 'image') {
      this._url = URL.createObjectURL(this._blob);
    } else {
      this._text = await this._blob.text();
    }
    this._kind = kind;
    this.update();
  }

  dispose(): void {
    if (this._url) {
      URL.revokeObjectURL(this._url);
    }
    super.dispose();
  }

  render(): JSX.Element {
    const trans = this._trans;
    let body: JSX.Element;
    if (this._kind === 'image' && this._url) {
      body = <img className={`${CLASS}-image`} src={this._url} alt={this._key} />;
    } else if (this._kind === 'csv') {
      const rows = parseCsv(this._text);
      body = (
        <table className={`${CLASS}-table`}>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>{row.map((cell, j) => (i === 0 ? <th key={j}>{cell}</th> : <td key={j}>{cell}</td>))}</tr>
            ))}
          </tbody>
        </table>
      );
    } else if (this._kind === 'json') {
      let text = this._text;
      try {
        text = JSON.stringify(JSON.parse(this._text), null, 2);
      } catch {
        // shown as it is
      }
      body = <pre className={`${CLASS}-text`}>{text}</pre>;
    } else {
      body = <pre className={`${CLASS}-text`}>{this._text}</pre>;
    }
    return (
      <div className={`${CLASS}-body`}>
        <div className={`${CLASS}-header`} title={this._uri}>
          {this._uri} · {trans.__('read-only preview')}
        </div>
        {body}
      </div>
    );
  }

  private _kind: PreviewKind | null = null;
  private _text = '';
  private _url: string | null = null;
}
