import { expect, test } from '@jupyterlab/galata';
import { atelierLoaded, openBucket, watchPage } from './helpers';

/** A Lumino drag: press, move in steps (Lumino starts a drag after a few pixels), release. */
async function lmDrag(page: any, from: any, to: any): Promise<void> {
  await from.waitFor();
  await to.waitFor();
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 10, a.y + a.height / 2 + 10, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 20 });
  await page.mouse.up();
}

/** Waits for a row to appear in the storage panel, refreshing it while it is missing. */
async function untilListed(panel: any, row: any): Promise<void> {
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
}

const CSV = 'name,value\nalpha,1\n"beta, gamma",2\n';

test.describe('Object storage', () => {
  test('folder, copy from the workspace, listing, preview, copy back', async ({ page, request, tmpPath }) => {
    const bucket = `ui-${Date.now().toString(36)}`;
    watchPage(page);
    await page.reload();
    await atelierLoaded(page);
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
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: /ok|create/i })
      .click();
    await expect(panel.locator('select[aria-label="Bucket"]')).toHaveValue(bucket);

    await panel.getByRole('button', { name: 'New Folder' }).click();
    await page.locator('.jp-Dialog input').fill('incoming');
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: /ok|create/i })
      .click();
    const folder = panel.locator('.jp-Atelier-StorageBrowser-item[data-key="incoming/"]');
    await expect(folder).toBeVisible();
    await folder.dblclick();
    await expect(panel.locator('.jp-Atelier-StorageBrowser-breadcrumbs')).toContainText('incoming');

    // Copy from the workspace to storage through the file browser's context menu.
    await page.sidebar.openTab('filebrowser');
    await page.locator('.jp-DirListing-item', { hasText: 'data.csv' }).click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Copy to Object Storage…' }).click();
    await expect(page.locator('.jp-Dialog input')).toHaveValue('incoming/');
    await page.locator('.jp-Dialog').getByRole('button', { name: /ok/i }).click();

    await page.sidebar.openTab('jp-atelier-storage');
    const row = panel.locator('.jp-Atelier-StorageBrowser-item[data-key="incoming/data.csv"]');
    await untilListed(panel, row);
    await expect(row.locator('.jp-Atelier-StorageBrowser-itemSize')).toHaveText(`${Buffer.byteLength(CSV)} B`);

    // Preview: the CSV as a table.
    await row.dblclick();
    const preview = page.locator('.jp-Atelier-StoragePreview');
    await expect(preview).toBeVisible();
    await expect(preview.locator('table')).toContainText('beta, gamma');
    await expect(preview).toContainText(`s3://${bucket}/incoming/data.csv`);

    // Copy back to the workspace under another name, then compare.
    await row.click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Copy to Workspace…' }).click();
    const target = `${tmpPath}/round trip.csv`;
    await page.locator('.jp-Dialog input').fill(target);
    await page.locator('.jp-Dialog').getByRole('button', { name: /ok/i }).click();
    await expect
      .poll(
        async () => {
          const res = await request.get(
            `/api/contents/${encodeURIComponent(target).replace(/%2F/g, '/')}?content=1&format=text&type=file`
          );
          return res.ok() ? (await res.json()).content : null;
        },
        { timeout: 30000 }
      )
      .toBe(CSV);
  });
});

test.describe('Uploads from the computer', () => {
  test('a name that is taken is not overwritten by pressing Enter: both are kept', async ({
    page,
    request
  }, testInfo) => {
    const fs = await import('fs');
    const bucket = `taken-${Date.now().toString(36)}`;
    const api = `/atelier/api/v1/storage/endpoints/local/buckets/${bucket}`;
    expect(
      (await request.post('/atelier/api/v1/storage/endpoints/local/buckets', { data: { name: bucket } })).status()
    ).toBe(201);
    expect((await request.put(`${api}/object?key=notes.txt`, { data: 'old\n' })).status()).toBe(201);
    const file = testInfo.outputPath('notes.txt');
    fs.writeFileSync(file, 'new\n');

    watchPage(page);
    await page.reload();
    await atelierLoaded(page);
    const panel = await openBucket(page, bucket);
    await panel.locator('input[type="file"]').setInputFiles(file);
    const dialog = page.locator('.jp-Dialog', { hasText: 'Name already taken' });
    await expect(dialog).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(panel.locator('.jp-Atelier-StorageBrowser-item[data-key="notes (1).txt"]')).toBeVisible({
      timeout: 20000
    });
    expect(await (await request.get(`${api}/object?key=notes.txt`)).text()).toBe('old\n');
    expect(await (await request.get(`${api}/object?key=${encodeURIComponent('notes (1).txt')}`)).text()).toBe('new\n');
  });

  test('a large file goes up in parts, and an interrupted upload resumes instead of starting over', async ({
    page,
    request
  }, testInfo) => {
    const crypto = await import('crypto');
    const fs = await import('fs');
    const bucket = `big-${Date.now().toString(36)}`;
    expect(
      (await request.post('/atelier/api/v1/storage/endpoints/local/buckets', { data: { name: bucket } })).status()
    ).toBe(201);
    const data = crypto.randomBytes(20 * 1024 * 1024 + 3);
    const file = testInfo.outputPath('big upload.bin');
    fs.writeFileSync(file, data);

    watchPage(page);
    await page.reload();
    await atelierLoaded(page);
    const panel = await openBucket(page, bucket);
    const input = panel.locator('input[type="file"]');

    // First attempt: the network drops part 2 every time.
    const parts: string[] = [];
    page.on('request', r => {
      if (/\/storage\/uploads\/[^/]+\/parts\/\d+$/.test(r.url()) && r.method() === 'PUT') {
        parts.push(r.url().split('/').pop()!);
      }
    });
    await page.route(/\/storage\/uploads\/[^/]+\/parts\/2$/, route => route.abort());
    await input.setInputFiles(file);
    // While part 2 is retried, the notification shows the file and its progress.
    await expect(
      page.locator('.Toastify__toast').filter({ hasText: 'Uploading big upload.bin (1 of 1)' }).first()
    ).toBeVisible({ timeout: 20000 });
    await expect(page.locator('.jp-Notification-Toast-error, .Toastify__toast--error').first()).toContainText(
      'interrupted',
      { timeout: 30000 }
    );
    const sessions = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter(k => k.startsWith('jupyterlab-atelier:upload:'))
        .map(k => localStorage.getItem(k))
    );
    expect(sessions.length).toBe(1);
    const session = await (await request.get(`/atelier/api/v1/storage/uploads/${sessions[0]}`)).json();
    expect(session.partsDone).toEqual([1]);
    expect(
      (
        await request.get(
          `/atelier/api/v1/storage/endpoints/local/buckets/${bucket}/stat?key=${encodeURIComponent('big upload.bin')}`
        )
      ).status()
    ).toBe(404);

    // Second attempt with the same file: only the missing part goes up.
    await page.unroute(/\/storage\/uploads\/[^/]+\/parts\/2$/);
    parts.length = 0;
    await input.setInputFiles(file);
    const row = panel.locator('.jp-Atelier-StorageBrowser-item[data-key="big upload.bin"]');
    await expect(row).toBeVisible({ timeout: 30000 });
    expect(parts).toEqual(['2']);
    await expect(row.locator('.jp-Atelier-StorageBrowser-itemSize')).toHaveText('20 MiB');
    const back = await request.get(
      `/atelier/api/v1/storage/endpoints/local/buckets/${bucket}/object?key=${encodeURIComponent('big upload.bin')}`
    );
    expect(
      crypto
        .createHash('sha256')
        .update(await back.body())
        .digest('hex')
    ).toBe(crypto.createHash('sha256').update(data).digest('hex'));
  });
});

test.describe('Drag and drop between the file browser and object storage', () => {
  test('a workspace file dropped on storage is copied there; an object dropped on the file browser is copied to the workspace', async ({
    page,
    request,
    tmpPath
  }) => {
    const bucket = `dnd-${Date.now().toString(36)}`;
    expect(
      (await request.post('/atelier/api/v1/storage/endpoints/local/buckets', { data: { name: bucket } })).status()
    ).toBe(201);
    expect(
      (
        await request.put(`/api/contents/${tmpPath}/from-workspace.txt`, {
          data: { type: 'file', format: 'text', content: 'to storage\n' }
        })
      ).ok()
    ).toBe(true);
    const put = await request.put(
      `/atelier/api/v1/storage/endpoints/local/buckets/${bucket}/object?key=from-storage.txt`,
      {
        headers: { 'Content-Type': 'application/octet-stream' },
        data: Buffer.from('to the workspace\n')
      }
    );
    expect(put.status()).toBe(201);

    const panel = await openBucket(page, bucket);
    await page.sidebar.openTab('filebrowser');
    await page.filebrowser.refresh();

    // Workspace → storage.
    const source = page.locator('.jp-DirListing-item', { hasText: 'from-workspace.txt' });
    await lmDrag(page, source, panel.locator('.jp-Atelier-StorageBrowser-list'));
    const copied = panel.locator('.jp-Atelier-StorageBrowser-item[data-key="from-workspace.txt"]');
    await untilListed(panel, copied);

    // Storage → workspace.
    const object = panel.locator('.jp-Atelier-StorageBrowser-item[data-key="from-storage.txt"]');
    await lmDrag(page, object, page.locator('#filebrowser .jp-DirListing-content'));
    await expect
      .poll(
        async () => {
          const res = await request.get(`/api/contents/${tmpPath}/from-storage.txt?content=1&format=text&type=file`);
          return res.ok() ? (await res.json()).content : null;
        },
        { timeout: 30000 }
      )
      .toBe('to the workspace\n');
  });
});
