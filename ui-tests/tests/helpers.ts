import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

/** Runs a cell until it shows `expected` (a fresh kernel can drop the very first request). */
export async function runUntilOutput(page: IJupyterLabPageFixture, cell: number, expected: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await page.notebook.runCell(cell, true);
        return (await page.notebook.getCellTextOutput(cell))?.[0];
      },
      { timeout: 60000, intervals: [1000, 2000, 5000] }
    )
    .toBe(expected);
}

const watched = new WeakMap<object, string[]>();

/** Records console errors, page errors and failed requests of a page, for diagnostics. */
export function watchPage(page: IJupyterLabPageFixture): string[] {
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

/** Waits for Atelier's plugins in the page, or fails with what the page knows about them. */
export async function atelierLoaded(page: IJupyterLabPageFixture): Promise<void> {
  const ok = await page
    .locator('.jp-Atelier-StatusItem')
    .waitFor({ timeout: 20000 })
    .then(
      () => true,
      () => false
    );
  if (!ok) {
    const inPage = await page.evaluate(() => {
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
      `Atelier did not load in this page: ${JSON.stringify(inPage)}\n${(watched.get(page) ?? []).join('\n')}`
    );
  }
}

/** Opens the Object Storage panel on `bucket` of the local endpoint (listed afresh); returns the panel. */
export async function openBucket(page: IJupyterLabPageFixture, bucket: string): Promise<Locator> {
  await page.sidebar.openTab('jp-atelier-storage');
  const panel = page.locator('#jp-atelier-storage');
  await expect(panel).toBeVisible();
  await panel.getByRole('button', { name: 'Refresh' }).click();
  await panel.locator('select[aria-label="Bucket"]').selectOption(bucket);
  return panel;
}

/**
 * Status bar → flavor picker → `flavorId` → the confirmation, which names `name` and the unsaved
 * documents `unsaved` → Switch. The caller follows the progress.
 */
export async function switchFromStatusBar(
  page: Page,
  flavorId: string,
  name: string,
  unsaved: string[]
): Promise<void> {
  await page.locator('.jp-Atelier-StatusItem button').click();
  const picker = page.locator('.jp-Dialog');
  await picker.locator(`.jp-Atelier-FlavorPicker-item[data-flavor="${flavorId}"]`).click();
  await picker.getByRole('button', { name: 'Continue…' }).click();
  const confirm = page.locator('.jp-Dialog');
  await expect(confirm).toContainText(`Switch to ${name}?`);
  await expect(confirm.locator('.jp-Atelier-FlavorConfirm li')).toHaveText(unsaved);
  await confirm.getByRole('button', { name: 'Switch' }).click();
}
