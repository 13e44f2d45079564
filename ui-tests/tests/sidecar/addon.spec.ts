import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import { atelierLoaded, openBucket, watchPage } from '../helpers';

/**
 * Atelier as users of their own JupyterLab get it: `pip install` of the wheel, then plain
 * `jupyter lab`; the service runs behind jupyter-server-proxy at {base_url}atelier/.
 */
test.describe('Atelier in a plain jupyter lab (pip install)', () => {
  test('the status item shows the platform and flavor, and explains that switching needs the gateway', async ({
    page
  }) => {
    watchPage(page);
    await page.reload();
    await atelierLoaded(page);
    const item = page.locator('.jp-Atelier-StatusItem');
    await expect(item).toHaveText(/^local · .+ · \d+ CPUs? · [\d.]+ (GiB|MiB)/);
    // Not the picker: this server is not Atelier's to restart; the details say how it runs.
    await item.locator('button').click();
    const details = page.locator('.jp-Dialog .jp-Atelier-StatusDetails');
    await expect(details).toContainText('sidecar mode');
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);

    await page.keyboard.press('Control+Shift+C');
    await page.locator('#modal-command-palette input').fill('Switch Compute Flavor');
    await page.keyboard.press('Enter');
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Switching is not available');
    await expect(dialog).toContainText('atelier lab');
    await dialog.getByRole('button', { name: /Dismiss|Close|OK/ }).click();
  });

  test('the storage panel lists what the service holds', async ({ page, request }) => {
    watchPage(page);
    const bucket = `addon-${Date.now()}`;
    expect(
      (await request.post('/atelier/api/v1/storage/endpoints/local/buckets', { data: { name: bucket } })).status()
    ).toBe(201);
    const put = await request.put(
      `/atelier/api/v1/storage/endpoints/local/buckets/${bucket}/object?key=${encodeURIComponent('iris sample.csv')}`,
      {
        data: 'a,b\n1,2\n',
        headers: { 'Content-Type': 'text/csv' }
      }
    );
    expect(put.status()).toBe(201);
    await page.reload();
    await atelierLoaded(page);
    const panel = await openBucket(page, bucket);
    await expect(panel.locator('[data-key="iris sample.csv"]')).toBeVisible();
  });

  test('an object larger than the proxy passes is not offered as a broken download but brought to the workspace', async ({
    page,
    request,
    tmpPath
  }) => {
    watchPage(page);
    const bucket = `big-${Date.now().toString(36)}`;
    expect(
      (await request.post('/atelier/api/v1/storage/endpoints/local/buckets', { data: { name: bucket } })).status()
    ).toBe(201);
    expect((await (await request.get('/atelier/api/v1/status')).json()).maxResponseBytes).toBe(100 * 1024 * 1024);
    // 101 MiB in the local store (a sparse file: the size is what counts here).
    const folder = path.join(__dirname, '..', '..', 'build', 'sidecar', 'home', 'data', 'atelier', 'buckets', bucket);
    fs.closeSync(fs.openSync(path.join(folder, 'weights.bin'), 'w'));
    fs.truncateSync(path.join(folder, 'weights.bin'), 101 * 1024 * 1024);
    await page.reload();
    await atelierLoaded(page);
    const panel = await openBucket(page, bucket);
    const row = panel.locator('[data-key="weights.bin"]');
    await row.click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Download to This Computer' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Too large to download here');
    await expect(dialog).toContainText('101 MiB');
    await dialog.getByRole('button', { name: 'Copy to Workspace…' }).click();
    const target = `${tmpPath}/weights.bin`;
    await page.locator('.jp-Dialog input').fill(target);
    await page.locator('.jp-Dialog').getByRole('button', { name: /ok/i }).click();
    await expect
      .poll(
        async () => {
          const res = await request.get(`/api/contents/${target}?content=0`);
          return res.ok() ? (await res.json()).size : null;
        },
        { timeout: 60000 }
      )
      .toBe(101 * 1024 * 1024);
  });

  test('a job submitted here runs, and the Training Jobs sidebar shows it Completed with its log', async ({
    page,
    request,
    tmpPath
  }) => {
    watchPage(page);
    const put = await request.put(`/api/contents/${tmpPath}/hello.py`, {
      data: { type: 'file', format: 'text', content: 'print("hello from a job")\n' }
    });
    expect(put.ok()).toBe(true);
    const submitted = await request.post('/atelier/api/v1/jobs', {
      data: { name: 'addon-job', bootFile: `${tmpPath}/hello.py` }
    });
    expect(submitted.status()).toBe(201);
    const id = (await submitted.json()).id;
    await expect
      .poll(async () => (await (await request.get(`/atelier/api/v1/jobs/${id}`)).json()).status.phase, {
        timeout: 60000
      })
      .toBe('Completed');
    await page.reload();
    await atelierLoaded(page);
    await page.sidebar.openTab('jp-atelier-jobs');
    const row = page.locator(`.jp-Atelier-Jobs-list [data-job-id="${id}"]`);
    await expect(row).toContainText('Completed');
    await row.dblclick();
    await expect(page.locator('.jp-Atelier-JobDetail-log')).toContainText('hello from a job');
  });
});
