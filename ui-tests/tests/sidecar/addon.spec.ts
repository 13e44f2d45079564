import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import { Atelier } from '../atelier';

/**
 * Atelier as users of their own JupyterLab get it: `pip install` of the wheel, then plain
 * `jupyter lab`; the service runs behind jupyter-server-proxy at {base_url}atelier/.
 */
test.describe('Atelier in a plain jupyter lab (pip install)', () => {
  test('the status item shows the platform and flavor, and explains that switching needs the gateway', async ({
    page
  }) => {
    const atelier = new Atelier(page);
    await atelier.loaded();
    await expect(atelier.statusItem).toHaveText(/^local · .+ · \d+ CPUs? · [\d.]+ (GiB|MiB)/);
    // Not the picker: this server is not Atelier's to restart; the details say how it runs.
    await atelier.statusButton.click();
    await expect(atelier.statusDetails).toContainText('sidecar mode');
    await atelier.dialog.press('Close');
    await expect(atelier.dialog.locator).toHaveCount(0);

    await atelier.runCommand('Switch Compute Flavor');
    const dialog = atelier.dialog;
    await expect(dialog.locator).toContainText('Switching is not available');
    await expect(dialog.locator).toContainText('atelier lab');
    await dialog.press(/Dismiss|Close|OK/);
  });

  test('the storage panel lists what the service holds', async ({ page, request }) => {
    const atelier = new Atelier(page, request);
    const bucket = `addon-${Date.now()}`;
    await atelier.api.storage.createBucket(bucket);
    await atelier.api.storage.putObject(bucket, 'iris sample.csv', 'a,b\n1,2\n', 'text/csv');
    await atelier.loaded();
    await atelier.storage.openBucket(bucket);
    await expect(atelier.storage.row('iris sample.csv')).toBeVisible();
  });

  test('an object larger than the proxy passes is not offered as a broken download but brought to the workspace', async ({
    page,
    request,
    tmpPath
  }) => {
    const atelier = new Atelier(page, request);
    const bucket = `big-${Date.now().toString(36)}`;
    await atelier.api.storage.createBucket(bucket);
    expect((await atelier.api.get('status')).maxResponseBytes).toBe(100 * 1024 * 1024);
    // 101 MiB in the local store (a sparse file: the size is what counts here).
    const folder = path.join(__dirname, '..', '..', 'build', 'sidecar', 'home', 'data', 'atelier', 'buckets', bucket);
    fs.closeSync(fs.openSync(path.join(folder, 'weights.bin'), 'w'));
    fs.truncateSync(path.join(folder, 'weights.bin'), 101 * 1024 * 1024);
    await atelier.loaded();
    await atelier.storage.openBucket(bucket);
    await atelier.storage.contextMenu('weights.bin');
    await atelier.menu('Download to This Computer').click();
    const dialog = atelier.dialog;
    await expect(dialog.locator).toContainText('Too large to download here');
    await expect(dialog.locator).toContainText('101 MiB');
    await dialog.press('Copy to Workspace…');
    const target = `${tmpPath}/weights.bin`;
    await atelier.dialog.fill(target);
    await atelier.dialog.accept('Copy');
    await atelier.api.workspace.untilSize(target, 101 * 1024 * 1024, 60000);
  });

  test('a job submitted here runs, and the Training Jobs sidebar shows it Completed with its log', async ({
    page,
    request,
    tmpPath
  }) => {
    const atelier = new Atelier(page, request);
    await atelier.api.workspace.putFile(`${tmpPath}/hello.py`, 'print("hello from a job")\n');
    const submitted = await atelier.api.post('jobs', { name: 'addon-job', bootFile: `${tmpPath}/hello.py` });
    expect(submitted.status()).toBe(201);
    const id = (await submitted.json()).id;
    await expect
      .poll(async () => (await atelier.api.get(`jobs/${id}`)).status.phase, { timeout: 60000 })
      .toBe('Completed');
    await atelier.loaded();
    await atelier.jobs.open();
    const row = atelier.jobs.row(id);
    await expect(row).toContainText('Completed');
    await row.dblclick();
    await expect(atelier.jobDetail.log).toContainText('hello from a job');
  });
});
