import { expect, Page, test } from '@playwright/test';
import { Atelier } from '../atelier';

/**
 * Atelier in a JupyterHub single-user server (server/test/hub/jupyterhub_config.py): the
 * flavors are the Hub's profiles, and a switch restarts the user's server through the Hub.
 * The service ends with the server, so the page follows the switch across the outage and
 * reconnects by itself; what was typed is saved first.
 */
const USER = 'ada';
const LAB = `/user/${USER}/lab`;

async function hubApi(page: Page, method: string, route: string) {
  const res = await page.request.fetch(`/hub/api/${route}`, { method });
  return { status: res.status(), json: await res.json().catch(() => null) };
}

async function serverReady(page: Page): Promise<boolean> {
  return !!(await hubApi(page, 'GET', `users/${USER}`)).json?.servers?.['']?.ready;
}

test.beforeEach(async ({ page }) => {
  // The user and a running server under the default profile.
  await hubApi(page, 'POST', `users/${USER}`);
  if (!(await serverReady(page))) {
    await hubApi(page, 'POST', `users/${USER}/server`);
    await expect.poll(() => serverReady(page), { timeout: 120000 }).toBe(true);
  }
});

test('switching profiles from the status bar restarts the server through the Hub; the page follows and keeps what was typed', async ({
  page
}) => {
  const atelier = new Atelier(page, page.request, `/user/${USER}`);
  const file = `hub-switch-${Date.now()}.txt`;
  await atelier.api.workspace.putFile(file, 'saved\n');
  await page.goto(`${LAB}/tree/${file}`);
  const item = atelier.statusItem;
  await expect(item).toContainText('Small · 1 CPU · 1 GiB', { timeout: 60000 });

  // Unsaved text in an editor.
  const editor = page.locator('.jp-FileEditor .cm-content');
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('typed before the switch');

  // Status bar → picker (the Hub's profiles) → confirm → the outage → done.
  const picker = atelier.flavors;
  await picker.open();
  await expect(picker.items).toHaveCount(3);
  await picker.dialog.press('Cancel');
  await picker.switchTo('large', 'Large', [file]);
  await expect(atelier.notification('the Hub is restarting your server')).toBeVisible({ timeout: 60000 });
  await page.screenshot({ path: test.info().outputPath('hub-switch-outage.png') });
  const done = atelier.notification('runs under Large');
  await expect(done).toBeVisible({ timeout: 180000 });
  await page.screenshot({ path: test.info().outputPath('hub-switch-done.png') });

  // The page reconnected by itself: the new server's figures, and the text was saved first.
  await expect(item).toContainText('Large · 2 CPUs · 2 GiB');
  const saved = await atelier.api.workspace.model(file);
  expect(saved?.content).toContain('typed before the switch');
  await expect(atelier.dialog.locator).toHaveCount(0);
  const server = (await hubApi(page, 'GET', `users/${USER}`)).json.servers[''];
  expect(server.user_options).toEqual({ profile: 'large' });
});
