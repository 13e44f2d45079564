/*
 * The page object of the browser tests: where Atelier's parts are in JupyterLab's page and how
 * they are driven (the status item, dialogs, menus, notifications, the Object Storage and
 * Training Jobs panels, the job form and detail, the flavor picker), and the API calls that set
 * a test up (buckets, objects, workspace files). The specs say what a user does and sees; the
 * selectors live here, once.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { APIRequestContext, APIResponse, Locator, Page } from '@playwright/test';

/** Atelier's API under a server's base path. */
const ATELIER_API = '/atelier/api/v1';

/** A value quoted for a CSS attribute selector: `[data-key="…"]`. */
function attr(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** A workspace path as the contents API takes it: each segment encoded, the slashes kept. */
function contentsPath(path: string): string {
  return encodeURIComponent(path).replace(/%2F/g, '/');
}

/** Either page a test can hold: galata's fixture (JupyterLab's helpers) or Playwright's own. */
type AnyPage = Page | IJupyterLabPageFixture;

/** The page's galata helpers, or an error naming what needs them. */
function galata(page: AnyPage, what: string): IJupyterLabPageFixture {
  if (!('sidebar' in page)) {
    throw new Error(`${what} needs galata's page fixture`);
  }
  return page as IJupyterLabPageFixture;
}

// ---------------------------------------------------------------------------------------------
// Set-up and checks through the APIs
// ---------------------------------------------------------------------------------------------

/** Object storage through Atelier's API: buckets and objects of one endpoint. */
export class StorageApi {
  constructor(
    readonly request: APIRequestContext,
    readonly endpoint = 'local',
    readonly base = ''
  ) {}

  /** The URL of the endpoint's buckets, or of `bucket`. */
  url(bucket?: string): string {
    const buckets = `${this.base}${ATELIER_API}/storage/endpoints/${this.endpoint}/buckets`;
    return bucket === undefined ? buckets : `${buckets}/${bucket}`;
  }

  /** Creates `bucket` (201). */
  async createBucket(bucket: string): Promise<void> {
    expect((await this.request.post(this.url(), { data: { name: bucket } })).status()).toBe(201);
  }

  /** Puts `data` under `key` (201), with a Content-Type when one is given. */
  async putObject(bucket: string, key: string, data: string | Buffer, contentType?: string): Promise<void> {
    const res = await this.request.put(`${this.url(bucket)}/object?key=${encodeURIComponent(key)}`, {
      data,
      headers: contentType ? { 'Content-Type': contentType } : undefined
    });
    expect(res.status()).toBe(201);
  }

  /** The object's answer: read `.text()` or `.body()`. */
  object(bucket: string, key: string): Promise<APIResponse> {
    return this.request.get(`${this.url(bucket)}/object?key=${encodeURIComponent(key)}`);
  }

  /** The object's metadata answer (404 while there is none). */
  stat(bucket: string, key: string): Promise<APIResponse> {
    return this.request.get(`${this.url(bucket)}/stat?key=${encodeURIComponent(key)}`);
  }
}

/** The workspace through Jupyter's contents API. */
export class WorkspaceApi {
  /** `base` is the single-user server's prefix: '' for Lab, `/user/<name>` under a Hub. */
  constructor(
    readonly request: APIRequestContext,
    readonly base = ''
  ) {}

  url(path: string): string {
    return `${this.base}/api/contents/${contentsPath(path)}`;
  }

  /** Writes a text file (the answer is ok). */
  async putFile(path: string, content: string): Promise<void> {
    const res = await this.request.put(this.url(path), { data: { type: 'file', format: 'text', content } });
    expect(res.ok()).toBe(true);
  }

  /** Writes a notebook from its JSON (the answer is ok). */
  async putNotebook(path: string, content: object): Promise<void> {
    const res = await this.request.put(this.url(path), { data: { type: 'notebook', format: 'json', content } });
    expect(res.ok()).toBe(true);
  }

  /**
   * The file's model, or null while there is none: with its content unless `content` is false,
   * read as a text file when `text` is true.
   */
  async model(path: string, options: { content?: boolean; text?: boolean } = {}): Promise<any | null> {
    const query = `content=${options.content === false ? 0 : 1}${options.text ? '&format=text&type=file' : ''}`;
    const res = await this.request.get(`${this.url(path)}?${query}`);
    return res.ok() ? res.json() : null;
  }

  /** Polls until the text file `path` holds `expected`. */
  async untilText(path: string, expected: string, timeout = 30000): Promise<void> {
    await expect
      .poll(async () => (await this.model(path, { text: true }))?.content ?? null, { timeout })
      .toBe(expected);
  }

  /** Polls until the file `path` is `size` bytes long. */
  async untilSize(path: string, size: number, timeout = 60000): Promise<void> {
    await expect.poll(async () => (await this.model(path, { content: false }))?.size ?? null, { timeout }).toBe(size);
  }
}

/** Atelier's API, with object storage and the workspace beside it. */
export class AtelierApi {
  readonly storage: StorageApi;
  readonly workspace: WorkspaceApi;

  constructor(
    readonly request: APIRequestContext,
    readonly base = ''
  ) {
    this.storage = new StorageApi(request, 'local', base);
    this.workspace = new WorkspaceApi(request, base);
  }

  /** `GET <route>` of Atelier's API, as JSON (`route` without a leading slash). */
  async get(route: string): Promise<any> {
    return (await this.request.get(`${this.base}${ATELIER_API}/${route}`)).json();
  }

  /** `POST <route>` of Atelier's API with an optional JSON body. */
  post(route: string, data?: unknown): Promise<APIResponse> {
    return this.request.post(`${this.base}${ATELIER_API}/${route}`, data === undefined ? undefined : { data });
  }
}

// ---------------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------------

const watched = new WeakMap<object, string[]>();

/** Records console errors, page errors and failed requests of a page, for diagnostics. */
export function watchPage(page: AnyPage): string[] {
  const known = watched.get(page);
  if (known) {
    return known;
  }
  const log: string[] = [];
  watched.set(page, log);
  page.on('console', m => {
    if (m.type() === 'error' || m.type() === 'warning') {
      log.push(`${m.type()}: ${m.text()}`);
    }
  });
  page.on('pageerror', e => log.push(`pageerror: ${e.message}`));
  page.on('requestfailed', r => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', r => {
    if (r.status() >= 400) {
      log.push(`HTTP ${r.status()} ${r.url()}`);
    }
  });
  return log;
}

// ---------------------------------------------------------------------------------------------
// Parts of the page
// ---------------------------------------------------------------------------------------------

/** A JupyterLab dialog: the current one, or the one showing `hasText`. */
export class Dialog {
  readonly locator: Locator;

  constructor(page: AnyPage, hasText?: string | RegExp) {
    this.locator = page.locator('.jp-Dialog', hasText === undefined ? undefined : { hasText });
  }

  /** Its text input. */
  get input(): Locator {
    return this.locator.locator('input');
  }

  button(name: string | RegExp): Locator {
    return this.locator.getByRole('button', { name });
  }

  async fill(value: string): Promise<void> {
    await this.input.fill(value);
  }

  /** Presses the button called `name`. */
  async press(name: string | RegExp): Promise<void> {
    await this.button(name).click();
  }

  /** Presses OK (or the accepting button `name`). */
  async accept(name: string | RegExp = /ok/i): Promise<void> {
    await this.press(name);
  }
}

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

/** The Training Jobs sidebar panel. */
export class JobsPanel {
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator('#jp-atelier-jobs');
  }

  async open(): Promise<void> {
    await galata(this.page, 'Opening the jobs panel').sidebar.openTab('jp-atelier-jobs');
  }

  /** The listed job called `name`. */
  item(name: string): Locator {
    return this.locator.locator('.jp-Atelier-Jobs-item', { hasText: name });
  }

  /** The listed job whose id is `id`. */
  row(id: string): Locator {
    return this.locator.locator(`.jp-Atelier-Jobs-list [data-job-id=${attr(id)}]`);
  }
}

/** The tables of the job form, by their `data-kind`, and the title their fields are labelled with. */
const PAIR_TABLES = {
  parameters: 'Hyperparameters',
  environments: 'Environment variables',
  inputs: 'Inputs',
  outputs: 'Outputs'
};

/** The launcher form of a training job. */
export class JobForm {
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator('.jp-Atelier-JobForm');
  }

  /** Opens the form for the current notebook from the notebook's toolbar. */
  async openFromNotebook(): Promise<void> {
    await this.page.locator('.jp-NotebookPanel-toolbar [data-command="atelier:jobs-run-notebook"]').click();
  }

  /** The field `id` (`name`, `notebook`, `bootFile`, `flavorId`…). */
  field(id: string): Locator {
    return this.locator.locator(`#jp-atelier-job-${id}`);
  }

  /** The message beside the field `id` when its value is refused. */
  fieldError(id: string): Locator {
    return this.locator.locator(`[data-field=${attr(id)}] [role="alert"]`);
  }

  /** A table of name–value pairs. */
  table(kind: keyof typeof PAIR_TABLES): Locator {
    return this.locator.locator(`fieldset[data-kind=${attr(kind)}]`);
  }

  /** The name (`part` 'name') or value of the table's row `n` (from 1). */
  pair(kind: keyof typeof PAIR_TABLES, n: number, part: 'name' | 'value'): Locator {
    return this.table(kind).getByLabel(`${PAIR_TABLES[kind]} ${part} ${n}`);
  }

  /** Add → the new row's name and value. */
  async addPair(kind: keyof typeof PAIR_TABLES, name: string, value: string): Promise<void> {
    const n = (await this.table(kind).locator('.jp-Atelier-JobForm-row').count()) + 1;
    await this.table(kind).getByRole('button', { name: 'Add' }).click();
    await this.pair(kind, n, 'name').fill(name);
    await this.pair(kind, n, 'value').fill(value);
  }

  async submit(): Promise<void> {
    await this.locator.getByRole('button', { name: 'Submit' }).click();
  }

  async cancel(): Promise<void> {
    await this.locator.getByRole('button', { name: 'Cancel' }).click();
  }
}

/** A job's detail view. */
export class JobDetail {
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator('.jp-Atelier-JobDetail');
  }

  get title(): Locator {
    return this.locator.locator('h2');
  }

  get log(): Locator {
    return this.locator.locator('.jp-Atelier-JobDetail-log');
  }

  /** The phase in the header. */
  get phase(): Locator {
    return this.locator.locator('.jp-Atelier-JobDetail-header .jp-Atelier-JobPhase');
  }

  get timeline(): Locator {
    return this.locator.locator('.jp-Atelier-JobDetail-timeline');
  }

  button(name: string | RegExp): Locator {
    return this.locator.getByRole('button', { name });
  }
}

/** The flavor picker the status item opens, and the confirmation after it. */
export class FlavorPicker {
  readonly dialog: Dialog;

  constructor(readonly page: AnyPage) {
    this.dialog = new Dialog(page);
  }

  /** Opens the picker from the status bar. */
  async open(): Promise<void> {
    await this.page.locator('.jp-Atelier-StatusItem button').click();
  }

  /** Every flavor offered. */
  get items(): Locator {
    return this.dialog.locator.locator('.jp-Atelier-FlavorPicker-item');
  }

  /** The flavor `flavorId`. */
  item(flavorId: string): Locator {
    return this.dialog.locator.locator(`.jp-Atelier-FlavorPicker-item[data-flavor=${attr(flavorId)}]`);
  }

  /** Picks `flavorId` and continues to the confirmation. */
  async choose(flavorId: string): Promise<void> {
    await this.item(flavorId).click();
    await this.dialog.press('Continue…');
  }

  /** The unsaved documents the confirmation lists. */
  get unsaved(): Locator {
    return this.dialog.locator.locator('.jp-Atelier-FlavorConfirm li');
  }

  /**
   * Status bar → picker → `flavorId` → the confirmation, which names `name` and the unsaved
   * documents `unsaved` → Switch. The caller follows the progress.
   */
  async switchTo(flavorId: string, name: string, unsaved: string[]): Promise<void> {
    await this.open();
    await this.choose(flavorId);
    await expect(this.dialog.locator).toContainText(`Switch to ${name}?`);
    await expect(this.unsaved).toHaveText(unsaved);
    await this.dialog.press('Switch');
  }
}

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
        `Atelier did not load in this page: ${JSON.stringify(inPage)}\n${(watched.get(this.page) ?? []).join('\n')}`
      );
    }
  }

  /** The status bar item: platform, flavor and figures. */
  get statusItem(): Locator {
    return this.page.locator('.jp-Atelier-StatusItem');
  }

  /** The status item's button (the picker, or the details where switching is not Atelier's). */
  get statusButton(): Locator {
    return this.statusItem.locator('button');
  }

  /** The flavor shown in the current notebook's toolbar. */
  get flavorToolbarItem(): Locator {
    return this.page.locator('.jp-NotebookPanel-toolbar .jp-Atelier-FlavorToolbarItem');
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
