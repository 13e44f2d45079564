/*
 * The page object of the browser tests: where Atelier's parts are in JupyterLab's page and how
 * they are driven (the status item, dialogs, menus, notifications, the Object Storage and
 * Training Jobs panels, the job form and detail, the flavor picker), and the API calls that set
 * a test up (buckets, objects, workspace files). The specs say what a user does and sees; the
 * selectors live here, once.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { APIRequestContext, Locator } from '@playwright/test';
import { Accessibility } from './pages/a11y';
import { AtelierApi } from './pages/api';
import { AnyPage, Dialog, galata, watchedLog, watchPage } from './pages/common';
import { FlavorPicker } from './pages/flavors';
import { JobDetail, JobForm, JobsPanel } from './pages/jobs';
import { FileBrowser, StoragePanel } from './pages/storage';

export { Accessibility, describeViolation, WCAG_TAGS } from './pages/a11y';
export { AtelierApi, StorageApi, WorkspaceApi } from './pages/api';
export { Dialog, watchPage } from './pages/common';
export { FlavorPicker } from './pages/flavors';
export { JobDetail, JobForm, JobsPanel } from './pages/jobs';
export { FileBrowser, StoragePanel } from './pages/storage';

/**
 * Atelier in a JupyterLab page. Built from galata's `page` fixture, with Playwright's `request`
 * for the API set-up (the page's own by default). The Hub's tests, on Playwright's plain page,
 * use the parts that need no galata: the status item, dialogs, notifications, the flavor picker
 * and the API (`base` is then the user's server, `/user/<name>`).
 */
export class Atelier {
  readonly api: AtelierApi;
  readonly storage: StoragePanel;
  readonly files: FileBrowser;
  readonly jobs: JobsPanel;
  readonly jobForm: JobForm;
  readonly jobDetail: JobDetail;
  readonly flavors: FlavorPicker;
  readonly a11y: Accessibility;

  constructor(
    readonly page: AnyPage,
    request: APIRequestContext = page.request,
    base = ''
  ) {
    this.api = new AtelierApi(request, base);
    this.storage = new StoragePanel(page);
    this.files = new FileBrowser(page);
    this.jobs = new JobsPanel(page);
    this.jobForm = new JobForm(page);
    this.jobDetail = new JobDetail(page);
    this.flavors = new FlavorPicker(page);
    this.a11y = new Accessibility(page);
  }

  /** galata's helpers of the page (sidebar, notebook, file browser). */
  get lab(): IJupyterLabPageFixture {
    return galata(this.page, 'This step');
  }

  /** Watches the page for diagnostics, reloads it and waits for Atelier's plugins. */
  async loaded(): Promise<void> {
    watchPage(this.page);
    await this.page.reload();
    await this.untilLoaded();
  }

  /** Waits for Atelier's plugins in the page, or fails with what the page knows about them. */
  async untilLoaded(): Promise<void> {
    const ok = await this.statusItem.waitFor({ timeout: 20000 }).then(
      () => true,
      () => false
    );
    if (!ok) {
      const inPage = await this.page.evaluate(() => {
        const app = (window as any).jupyterapp;
        const config = JSON.parse(document.getElementById('jupyter-config-data')?.textContent ?? '{}');
        return {
          federated: config.federated_extensions,
          plugins: app?.listPlugins?.().filter((id: string) => id.startsWith('jupyterlab-atelier')),
          activated: app?.isPluginActivated?.('jupyterlab-atelier:client'),
          containers: Object.keys((window as any)._JUPYTERLAB ?? {}),
          scripts: Array.from(document.querySelectorAll('script[src]')).map(s => (s as HTMLScriptElement).src)
        };
      });
      throw new Error(
        `Atelier did not load in this page: ${JSON.stringify(inPage)}\n${watchedLog(this.page).join('\n')}`
      );
    }
  }

  /** The status bar item's CSS selector (for checks that take selectors, such as axe's). */
  readonly statusItemSelector = '.jp-Atelier-StatusItem';

  /** The status bar item: platform, flavor and figures. */
  get statusItem(): Locator {
    return this.page.locator(this.statusItemSelector);
  }

  /** The status item's button (the picker, or the details where switching is not Atelier's). */
  get statusButton(): Locator {
    return this.statusItem.locator('button');
  }

  /** The flavor shown in the current notebook's toolbar. */
  get flavorToolbarItem(): Locator {
    return this.page.locator('.jp-NotebookPanel-toolbar .jp-Atelier-FlavorToolbarItem');
  }

  /** The list of transfers that Show Transfers opens in a dialog (its CSS selector). */
  readonly transfersSelector = '.jp-Atelier-TransfersList';

  /** The transfers listed by Show Transfers. */
  get transfers(): Locator {
    return this.page.locator(`${this.transfersSelector} li`);
  }

  /** The details dialog of Show Atelier Status. */
  get statusDetails(): Locator {
    return this.dialog.locator.locator('.jp-Atelier-StatusDetails');
  }

  /** The current dialog. */
  get dialog(): Dialog {
    return new Dialog(this.page);
  }

  /** The dialog showing `text`. */
  dialogWith(text: string | RegExp): Dialog {
    return new Dialog(this.page, text);
  }

  /** The item `text` of the open Lumino menu. */
  menu(text: string): Locator {
    return this.page.locator('.lm-Menu-item', { hasText: text });
  }

  /** The notification showing `text`. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.Toastify__toast', { hasText: text });
  }

  /** Notifications still in progress (or any toast). */
  get progressNotifications(): Locator {
    return this.page.locator('.jp-Notification-Toast-in-progress, .Toastify__toast');
  }

  /** Error notifications. */
  get errorNotifications(): Locator {
    return this.page.locator('.jp-Notification-Toast-error, .Toastify__toast--error');
  }

  /** Runs the command labelled `label` from the command palette. */
  async runCommand(label: string): Promise<void> {
    await this.page.keyboard.press('Control+Shift+C');
    await this.page.locator('#modal-command-palette input').fill(label);
    await this.page.keyboard.press('Enter');
  }

  /** Runs a notebook cell until it shows `expected` (a fresh kernel can drop the very first request). */
  async runUntilOutput(cell: number, expected: string): Promise<void> {
    const notebook = this.lab.notebook;
    await expect
      .poll(
        async () => {
          await notebook.runCell(cell, true);
          return (await notebook.getCellTextOutput(cell))?.[0];
        },
        { timeout: 60000, intervals: [1000, 2000, 5000] }
      )
      .toBe(expected);
  }

  /** A Lumino drag: press, move in steps (Lumino starts a drag after a few pixels), release. */
  async drag(from: Locator, to: Locator): Promise<void> {
    await from.waitFor();
    await to.waitFor();
    const a = (await from.boundingBox())!;
    const b = (await to.boundingBox())!;
    const mouse = this.page.mouse;
    await mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await mouse.down();
    await mouse.move(a.x + a.width / 2 + 10, a.y + a.height / 2 + 10, { steps: 5 });
    await mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 20 });
    await mouse.up();
  }
}
