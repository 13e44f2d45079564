/*
 * What the page object's parts share: selectors' quoting, paths, the page kinds, diagnostics, dialogs.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

/** Atelier's API under a server's base path. */
export const ATELIER_API = '/atelier/api/v1';

/** A value quoted for a CSS attribute selector: `[data-key="…"]`. */
export function attr(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** A workspace path as the contents API takes it: each segment encoded, the slashes kept. */
export function contentsPath(path: string): string {
  return encodeURIComponent(path).replace(/%2F/g, '/');
}

/** Either page a test can hold: galata's fixture (JupyterLab's helpers) or Playwright's own. */
export type AnyPage = Page | IJupyterLabPageFixture;

/** The page's galata helpers, or an error naming what needs them. */
export function galata(page: AnyPage, what: string): IJupyterLabPageFixture {
  if (!('sidebar' in page)) {
    throw new Error(`${what} needs galata's page fixture`);
  }
  return page as IJupyterLabPageFixture;
}

// ---------------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------------

const watched = new WeakMap<object, string[]>();

/** What watchPage has recorded of a page so far (nothing when it was not watched). */
export function watchedLog(page: AnyPage): string[] {
  return watched.get(page) ?? [];
}

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
  /** Any dialog's CSS selector (for checks that take selectors, such as axe's). */
  static readonly selector = '.jp-Dialog';
  readonly locator: Locator;

  constructor(page: AnyPage, hasText?: string | RegExp) {
    this.locator = page.locator(Dialog.selector, hasText === undefined ? undefined : { hasText });
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
