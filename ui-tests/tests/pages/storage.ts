/*
 * The Object Storage panel and the bits of JupyterLab's file browser the tests drive.
 */
import { expect } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { AnyPage, attr, Dialog, galata } from './common';

/** The Object Storage sidebar panel. */
export class StoragePanel {
  /** The panel's CSS selector (for checks that take selectors, such as axe's). */
  readonly selector = '#jp-atelier-storage';
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator(this.selector);
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

  /** Widens the sidebar the panel is in by `px`, dragging the split handle at its inner edge. */
  async widen(px: number): Promise<void> {
    const panel = (await this.locator.boundingBox())!;
    const handles = this.page.locator('#jp-main-split-panel > .lm-SplitPanel-handle');
    for (const handle of await handles.all()) {
      const box = await handle.boundingBox();
      if (box && Math.abs(box.x + box.width - panel.x) <= 2) {
        const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
        const mouse = this.page.mouse;
        await mouse.move(x, y);
        await mouse.down();
        await mouse.move(x - px, y, { steps: 10 });
        await mouse.up();
        await expect.poll(async () => (await this.locator.boundingBox())!.width).toBeGreaterThan(panel.width + px / 2);
        return;
      }
    }
    throw new Error('No split handle at the storage panel’s inner edge');
  }

  /** The panel's toolbar button `name` (Refresh, New Folder, Upload Files, New Bucket). */
  button(name: string): Locator {
    return this.locator.getByRole('button', { name, exact: true });
  }

  /** New Bucket → its dialog → `name` → Create. */
  async newBucket(name: string): Promise<void> {
    await this.button('New Bucket').click();
    await this.create(name);
  }

  /** New Folder → its dialog → `name` → Create. */
  async newFolder(name: string): Promise<void> {
    await this.button('New Folder').click();
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

  /** The Modified column of `key`'s row (hidden while the sidebar is narrow). */
  modified(key: string): Locator {
    return this.row(key).locator('.jp-Atelier-StorageBrowser-itemModified');
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

  /** The listbox of objects and folders: one Tab stop, the arrows move the selection. */
  get listbox(): Locator {
    return this.locator.getByRole('listbox', { name: 'Objects' });
  }

  /** The listing, where workspace files are dropped. */
  get list(): Locator {
    return this.locator.locator('.jp-Atelier-StorageBrowser-list');
  }

  /** An object's preview's CSS selector (for checks that take selectors, such as axe's). */
  readonly previewSelector = '.jp-Atelier-StoragePreview';

  /** An object's preview, in the main area. */
  get preview(): Locator {
    return this.page.locator(this.previewSelector);
  }
}

/** What the specs use of JupyterLab's file browser (galata's `page.filebrowser` does the rest). */
export class FileBrowser {
  /** The file browser's CSS selector (for checks that take selectors, such as axe's). */
  readonly selector = '#filebrowser';
  /** Its breadcrumbs and listing, without its toolbar. */
  readonly contentSelectors = [`${this.selector} .jp-BreadCrumbs`, `${this.selector} .jp-DirListing`];

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
    return this.page.locator(`${this.selector} .jp-DirListing-content`);
  }
}
