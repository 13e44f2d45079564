import { expect, test } from '@jupyterlab/galata';
import { Atelier, AtelierApi } from './atelier';

const CODE = 'import os; len(os.sched_getaffinity(0))';

test.describe('Compute flavors', () => {
  test.afterEach(async ({ request }) => {
    // Leave the shared server on its default flavor for the other tests.
    const api = new AtelierApi(request);
    const list = await api.get('flavors');
    const whole = list.flavors.filter((f: any) => f.selectable).pop();
    if (list.current !== whole.id) {
      expect((await api.post('flavors/switch', { flavorId: whole.id })).status()).toBe(202);
      await expect.poll(async () => (await api.get('flavors/switch')).state, { timeout: 90000 }).toBe('completed');
    }
  });

  test('the picker continues only once a flavor is chosen; the status item says what a click does', async ({
    page,
    request
  }) => {
    const atelier = new Atelier(page, request);
    await atelier.loaded();
    await expect(atelier.statusButton).toHaveAttribute('title', /Click to switch the flavor/);
    await atelier.flavors.open();
    const next = atelier.flavors.dialog.button('Continue…');
    await expect(next).toBeDisabled();
    await expect(next).toHaveAttribute('title', 'Choose a flavor first.');
    await atelier.flavors.item('small').click();
    await expect(next).toBeEnabled();
    await atelier.flavors.dialog.press('Cancel');
    await expect(atelier.flavors.dialog.locator).toHaveCount(0);
  });

  test('switch to a smaller flavor from the status bar without losing typed text', async ({
    page,
    request,
    tmpPath
  }) => {
    const atelier = new Atelier(page, request);
    const list = await atelier.api.get('flavors');
    const small = list.flavors.find((f: any) => f.id === 'small');
    expect(small.cpus).toBe(1);
    await atelier.loaded();

    // A notebook with typed, unsaved text.
    await page.notebook.createNew('switch.ipynb');
    await page.notebook.save();
    await page.notebook.setCell(0, 'code', CODE);
    const path = `${tmpPath}/switch.ipynb`;
    const onDisk = async () => JSON.stringify((await atelier.api.workspace.model(path))?.content.cells);
    expect(await onDisk()).not.toContain('sched_getaffinity');
    const toolbarItem = atelier.flavorToolbarItem;
    await expect(toolbarItem).toContainText(list.flavors.find((f: any) => f.id === list.current).name);

    // Status bar → picker → confirm (which names the unsaved notebook) → progress → done.
    await atelier.flavors.switchTo('small', 'Small', [path]);
    await expect(atelier.progressNotifications).toContainText(/Switching to Small/);
    const done = atelier.notification('runs under Small');
    await expect(done).toBeVisible({ timeout: 90000 });
    // The server was away on purpose: Atelier's connection-lost handler keeps JupyterLab's
    // "Server Connection Error" dialog away while its own notification follows the switch.
    await expect(atelier.dialog.locator).toHaveCount(0);

    // Nothing typed was lost: it was saved before the restart, and the notebook is still open.
    expect(await onDisk()).toContain('sched_getaffinity');
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
    await expect(toolbarItem).toContainText('Small');
    await expect(atelier.statusItem).toContainText('Small · 1 CPU');

    // Fresh kernels, on the new flavor's CPUs.
    await done.getByRole('button', { name: 'Restart Kernels' }).click();
    await expect(atelier.notification('Started a fresh kernel for 1 notebook')).toBeVisible({ timeout: 60000 });
    await atelier.runUntilOutput(0, '1');
  });

  test("after the switch, JupyterLab's own Restart Kernel gives the notebook a kernel, and the offer goes", async ({
    page,
    request,
    tmpPath
  }) => {
    const atelier = new Atelier(page, request);
    await atelier.loaded();
    await page.notebook.createNew('fresh.ipynb');
    await page.notebook.save();
    await page.notebook.setCell(0, 'code', CODE);

    await atelier.flavors.switchTo('small', 'Small', [`${tmpPath}/fresh.ipynb`]);
    const done = atelier.notification('runs under Small');
    await expect(done).toBeVisible({ timeout: 90000 });
    await expect(done.getByRole('button', { name: 'Restart Kernels' })).toBeVisible();

    // The session the restarted server lost is let go at once: JupyterLab's kernel menu starts
    // a new one (it used to ask the server for the lost one, "Session not found").
    await expect(page.locator('#jp-main-statusbar').getByText('No Kernel')).toBeVisible();
    await page.menu.clickMenuItem('Kernel>Restart Kernel…');
    await expect(atelier.dialog.locator).toHaveCount(0);
    await expect(done).toHaveCount(0, { timeout: 60000 });
    await atelier.runUntilOutput(0, '1');
  });
});
