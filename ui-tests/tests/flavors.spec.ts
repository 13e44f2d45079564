import { expect, test } from '@jupyterlab/galata';
import { atelierLoaded, runUntilOutput, switchFromStatusBar, watchPage } from './helpers';

const CODE = 'import os; len(os.sched_getaffinity(0))';

test.describe('Compute flavors', () => {
  test.afterEach(async ({ request }) => {
    // Leave the shared server on its default flavor for the other tests.
    const list = await (await request.get('/atelier/api/v1/flavors')).json();
    const whole = list.flavors.filter((f: any) => f.selectable).pop();
    if (list.current !== whole.id) {
      expect((await request.post('/atelier/api/v1/flavors/switch', { data: { flavorId: whole.id } })).status()).toBe(
        202
      );
      await expect
        .poll(async () => (await (await request.get('/atelier/api/v1/flavors/switch')).json()).state, {
          timeout: 90000
        })
        .toBe('completed');
    }
  });

  test('switch to a smaller flavor from the status bar without losing typed text', async ({
    page,
    request,
    tmpPath
  }) => {
    watchPage(page);
    const list = await (await request.get('/atelier/api/v1/flavors')).json();
    const small = list.flavors.find((f: any) => f.id === 'small');
    expect(small.cpus).toBe(1);
    await page.reload();
    await atelierLoaded(page);

    // A notebook with typed, unsaved text.
    await page.notebook.createNew('switch.ipynb');
    await page.notebook.save();
    await page.notebook.setCell(0, 'code', CODE);
    const path = `${tmpPath}/switch.ipynb`;
    const onDisk = async () =>
      JSON.stringify((await (await request.get(`/api/contents/${path}?content=1`)).json()).content.cells);
    expect(await onDisk()).not.toContain('sched_getaffinity');
    const toolbarItem = page.locator('.jp-NotebookPanel-toolbar .jp-Atelier-FlavorToolbarItem');
    await expect(toolbarItem).toContainText(list.flavors.find((f: any) => f.id === list.current).name);

    // Status bar → picker → confirm (which names the unsaved notebook) → progress → done.
    await switchFromStatusBar(page, 'small', 'Small', [path]);
    await expect(page.locator('.jp-Notification-Toast-in-progress, .Toastify__toast')).toContainText(
      /Switching to Small/
    );
    const done = page.locator('.Toastify__toast', { hasText: 'runs under Small' });
    await expect(done).toBeVisible({ timeout: 90000 });
    // The server was away on purpose: Atelier's connection-lost handler keeps JupyterLab's
    // "Server Connection Error" dialog away while its own notification follows the switch.
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);

    // Nothing typed was lost: it was saved before the restart, and the notebook is still open.
    expect(await onDisk()).toContain('sched_getaffinity');
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
    await expect(toolbarItem).toContainText('Small');
    await expect(page.locator('.jp-Atelier-StatusItem')).toContainText('Small · 1 CPU');

    // Fresh kernels, on the new flavor's CPUs.
    await done.getByRole('button', { name: 'Restart Kernels' }).click();
    await expect(page.locator('.Toastify__toast', { hasText: 'Started a fresh kernel for 1 notebook' })).toBeVisible({
      timeout: 60000
    });
    await runUntilOutput(page, 0, '1');
  });
});
