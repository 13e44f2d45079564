/*
 * The Object Storage panel and the bits of JupyterLab's file browser the tests drive.
 */
import { expect } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { AnyPage, attr, Dialog, galata } from './common';

/** The Object Storage sidebar panel. */
export class StoragePanel {
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator('#jp-atelier-storage');
  }

  /** Brings the panel's sidebar tab forward. */
  async open(): Promise<void> {
    await galata(this.page, 'Opening the storage panel').sidebar.openTab('jp-atelier-storage');
  }

  async refresh(): Promise<void> {
    await this.locator.getByRole('button', { name: 'Refresh' }).click();
  }

  get endpointSelect(): Locator {
    return this.locator.locator('select[aria-label="Storage endpoint"]');
  }

  get bucketSelect(): Locator {
    return this.locator.locator('select[aria-label="Bucket"]');
  }

  /** Opens the panel on `bucket` (listed afresh), of `endpoint` when one is named. */
  async openBucket(bucket: string, endpoint?: string): Promise<void> {
    await this.open();
    await expect(this.locator).toBeVisible();
    await this.refresh();
    if (endpoint !== undefined) {
      await this.endpointSelect.selectOption(endpoint);
    }
    await this.bucketSelect.selectOption(bucket);
  }

  /** New Bucket → its dialog → `name` → Create. */
  async newBucket(name: string): Promise<void> {
    await this.locator.getByRole('button', { name: 'New Bucket' }).click();
    await this.create(name);
  }

  /** New Folder → its dialog → `name` → Create. */
  async newFolder(name: string): Promise<void> {
    await this.locator.getByRole('button', { name: 'New Folder' }).click();
    await this.create(name);
  }

  private async create(name: string): Promise<void> {
    const dialog = new Dialog(this.page);
    await dialog.fill(name);
    await dialog.press(/ok|create/i);
  }

  /** The listed object or folder `key` (a folder's key ends with `/`). */
  row(key: string): Locator {
    return this.locator.locator(`.jp-Atelier-StorageBrowser-item[data-key=${attr(key)}]`);
  }

  /** The size column of `key`'s row. */
  size(key: string): Locator {
    return this.row(key).locator('.jp-Atelier-StorageBrowser-itemSize');
  }

  /** Waits for `key` to be listed, refreshing the panel while it is missing. */
  async untilListed(key: string): Promise<void> {
    const row = this.row(key);
    await expect
      .poll(
        async () => {
          if (!(await row.count())) {
            await this.refresh();
          }
          return row.count();
        },
        { timeout: 30000 }
      )
      .toBe(1);
  }

  /** Opens `key`'s context menu. */
  async contextMenu(key: string): Promise<void> {
    await this.row(key).click({ button: 'right' });
  }

  get breadcrumbs(): Locator {
    return this.locator.locator('.jp-Atelier-StorageBrowser-breadcrumbs');
  }

  /** The hidden file input behind Upload Files from This Computer…. */
  get fileInput(): Locator {
    return this.locator.locator('input[type="file"]');
  }

  /** The listing, where workspace files are dropped. */
  get list(): Locator {
    return this.locator.locator('.jp-Atelier-StorageBrowser-list');
  }

  /** An object's preview, in the main area. */
  get preview(): Locator {
    return this.page.locator('.jp-Atelier-StoragePreview');
  }
}

/** What the specs use of JupyterLab's file browser (galata's `page.filebrowser` does the rest). */
export class FileBrowser {
  constructor(readonly page: AnyPage) {}

  async open(): Promise<void> {
    await galata(this.page, 'Opening the file browser').sidebar.openTab('filebrowser');
  }

  async refresh(): Promise<void> {
    await galata(this.page, 'Refreshing the file browser').filebrowser.refresh();
  }

  /** The listed file or folder showing `name`. */
  item(name: string): Locator {
    return this.page.locator('.jp-DirListing-item', { hasText: name });
  }

  async contextMenu(name: string): Promise<void> {
    await this.item(name).click({ button: 'right' });
  }

  /** The listing, where objects are dropped. */
  get listing(): Locator {
    return this.page.locator('#filebrowser .jp-DirListing-content');
  }
}
