import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { ConsoleMessage } from '@playwright/test';
import { Atelier } from './atelier';

/** Errors the page reports (uncaught exceptions, console errors) that come from Atelier. */
function collectAtelierErrors(page: IJupyterLabPageFixture): string[] {
  const errors: string[] = [];
  page.on('pageerror', error => {
    if (/atelier/i.test(`${error.message}\n${error.stack ?? ''}`)) {
      errors.push(error.message);
    }
  });
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error' && /atelier/i.test(`${message.text()} ${message.location().url}`)) {
      errors.push(message.text());
    }
  });
  return errors;
}

test.describe('JupyterLab through the Atelier gateway', () => {
  test('the shell loads and the Atelier status item shows the flavor', async ({ page }) => {
    const atelier = new Atelier(page);
    const errors = collectAtelierErrors(page);
    const uncaught: string[] = [];
    page.on('pageerror', error => uncaught.push(error.message));
    await atelier.loaded();
    await expect(page.locator('.jp-Launcher')).toBeVisible();
    await expect(page.locator('#jp-main-statusbar')).toBeVisible();

    const item = atelier.statusItem;
    await expect(item).toHaveText(/^local · .+ · \d+ CPUs? · [\d.]+ (GiB|MiB)/);
    const status = await atelier.api.get('status');
    await expect(item).toContainText(status.flavor.name);
    await expect(atelier.statusButton).toHaveAttribute('data-flavor', status.flavor.id);

    // The item opens the flavor picker (the gateway owns the server); the palette has the details.
    await expect(item).toContainText(/CPU \d+%/);
    const picker = atelier.flavors;
    await picker.open();
    await expect(picker.dialog.locator).toContainText('Switch Compute Flavor');
    await expect(picker.item(status.flavor.id).locator('input')).toBeDisabled();
    await picker.dialog.press('Cancel');
    await expect(picker.dialog.locator).toHaveCount(0);

    await atelier.runCommand('Show Atelier Status');
    await expect(atelier.statusDetails).toContainText('local');
    await page.keyboard.press('Escape');

    expect(errors).toEqual([]);
    // The bundled Lab itself starts without an uncaught error either.
    expect(uncaught).toEqual([]);
  });

  test('a notebook runs 1+1 and shows 2', async ({ page }) => {
    const atelier = new Atelier(page);
    const errors = collectAtelierErrors(page);
    await page.notebook.createNew('one-plus-one.ipynb');
    // A fresh kernel can drop the very first request: wait until it really answers.
    await page.evaluate(async () => {
      const widget = (window as any).jupyterapp.shell.currentWidget;
      await widget.sessionContext.ready;
      await widget.sessionContext.session.kernel.info;
    });
    await page.notebook.setCell(0, 'code', '1+1');
    await atelier.runUntilOutput(0, '2');
    expect(errors).toEqual([]);
  });

  test('a terminal opens and runs a command in the workspace', async ({ page, request }) => {
    const atelier = new Atelier(page, request);
    const name = `from-terminal-${Date.now()}.txt`;
    await page.menu.clickMenuItem('File>New>Terminal');
    const terminal = page.locator('.jp-Terminal');
    await expect(terminal).toBeVisible();
    await expect(terminal.locator('.xterm-screen')).toBeVisible();
    await terminal.click();
    await expect
      .poll(
        async () => {
          await page.keyboard.type(`echo atelier-terminal > ${name}\n`);
          return (await atelier.api.workspace.model(name))?.content ?? null;
        },
        { timeout: 60000, intervals: [1000, 2000, 4000] }
      )
      .toBe('atelier-terminal\n');
  });
});

test.describe('a restart of the Jupyter server', () => {
  test('the front end reconnects by itself and keeps working', async ({ page, request }) => {
    const atelier = new Atelier(page, request);
    const errors = collectAtelierErrors(page);
    const item = atelier.statusItem;
    await expect(item).toHaveText(/^local · /);
    const before = (await atelier.api.get('jupyter')) as { state: string; startedAt: string };
    expect(before.state).toBe('running');

    await test.step('restart the Jupyter server', async () => {
      const restart = await atelier.api.post('jupyter/restart');
      expect(restart.status()).toBe(202);
      await expect
        .poll(async () => (await atelier.api.get('jupyter')) as { state: string; startedAt: string }, {
          timeout: 60000
        })
        .toMatchObject({ state: 'running', startedAt: expect.not.stringMatching(before.startedAt) });
    });

    await test.step('the status item recovers without a reload', async () => {
      await expect(item).toHaveText(/^local · [^…]+$/, { timeout: 30000 });
    });

    await test.step('a new notebook computes on the new server', async () => {
      await page.notebook.createNew('after-restart.ipynb');
      await page.notebook.setCell(0, 'code', '6*7');
      await atelier.runUntilOutput(0, '42');
    });
    expect(errors).toEqual([]);
  });
});
