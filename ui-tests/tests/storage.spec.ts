import { expect, test } from '@jupyterlab/galata';

const CSV = 'name,value\nalpha,1\n"beta, gamma",2\n';

test.describe('Object storage', () => {
  test('folder, upload from the workspace, listing, preview, download back', async ({ page, request, tmpPath }) => {
    const bucket = `ui-${Date.now().toString(36)}`;
    const problems: string[] = [];
    page.on('console', m => {
      if (m.type() === 'error' || m.type() === 'warning') {
        problems.push(`${m.type()}: ${m.text()}`);
      }
    });
    page.on('pageerror', e => problems.push(`pageerror: ${e.message}`));
    await page.locator('.jp-Atelier-StatusItem').waitFor({ timeout: 20000 }).catch(async () => {
      const inPage = await page.evaluate(() => {
        const app = (window as any).jupyterapp;
        const config = JSON.parse(document.getElementById('jupyter-config-data')?.textContent ?? '{}');
        return {
          federated: config.federated_extensions,
          has: app?.hasPlugin('jupyterlab-atelier:client'),
          activated: app?.isPluginActivated?.('jupyterlab-atelier:client'),
          containers: Object.keys((window as any)._JUPYTERLAB ?? {})
        };
      });
      throw new Error(`Atelier did not load in this page: ${JSON.stringify(inPage)}\n${problems.join('\n')}`);
    });
    // A file in the workspace, where the file browser shows it.
    const put = await request.put(`/api/contents/${tmpPath}/data.csv`, {
      data: { type: 'file', format: 'text', content: CSV }
    });
    expect(put.ok()).toBe(true);
    await page.filebrowser.refresh();

    await page.sidebar.openTab('jp-atelier-storage');
    const panel = page.locator('#jp-atelier-storage');
    await expect(panel).toBeVisible();

    // A bucket and a folder, through the panel.
    await panel.getByRole('button', { name: 'New Bucket' }).click();
    await page.locator('.jp-Dialog input').fill(bucket);
    await page.locator('.jp-Dialog').getByRole('button', { name: /ok|create/i }).click();
    await expect(panel.locator('select[aria-label="Bucket"]')).toHaveValue(bucket);

    await panel.getByRole('button', { name: 'New Folder' }).click();
    await page.locator('.jp-Dialog input').fill('incoming');
    await page.locator('.jp-Dialog').getByRole('button', { name: /ok|create/i }).click();
    const folder = panel.locator('.jp-Atelier-StorageBrowser-item[data-key="incoming/"]');
    await expect(folder).toBeVisible();
    await folder.dblclick();
    await expect(panel.locator('.jp-Atelier-StorageBrowser-breadcrumbs')).toContainText('incoming');

    // Upload from the workspace through the file browser's context menu.
    await page.sidebar.openTab('filebrowser');
    await page.locator('.jp-DirListing-item', { hasText: 'data.csv' }).click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Upload to Object Storage…' }).click();
    await expect(page.locator('.jp-Dialog input')).toHaveValue('incoming/');
    await page.locator('.jp-Dialog').getByRole('button', { name: /ok/i }).click();

    await page.sidebar.openTab('jp-atelier-storage');
    const row = panel.locator('.jp-Atelier-StorageBrowser-item[data-key="incoming/data.csv"]');
    await expect
      .poll(
        async () => {
          if (!(await row.count())) {
            await panel.getByRole('button', { name: 'Refresh' }).click();
          }
          return row.count();
        },
        { timeout: 30000 }
      )
      .toBe(1);
    await expect(row.locator('.jp-Atelier-StorageBrowser-itemSize')).toHaveText(`${Buffer.byteLength(CSV)} B`);

    // Preview: the CSV as a table.
    await row.dblclick();
    const preview = page.locator('.jp-Atelier-StoragePreview');
    await expect(preview).toBeVisible();
    await expect(preview.locator('table')).toContainText('beta, gamma');
    await expect(preview).toContainText(`s3://${bucket}/incoming/data.csv`);

    // Download back to the workspace under another name, then compare.
    await row.click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Download to Workspace…' }).click();
    const target = `${tmpPath}/round trip.csv`;
    await page.locator('.jp-Dialog input').fill(target);
    await page.locator('.jp-Dialog').getByRole('button', { name: /ok/i }).click();
    await expect
      .poll(
        async () => {
          const res = await request.get(`/api/contents/${encodeURIComponent(target).replace(/%2F/g, '/')}?content=1&format=text&type=file`);
          return res.ok() ? (await res.json()).content : null;
        },
        { timeout: 30000 }
      )
      .toBe(CSV);
  });
});
