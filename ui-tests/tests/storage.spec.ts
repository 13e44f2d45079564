import { expect, test } from '@jupyterlab/galata';
import { Atelier } from './atelier';

const CSV = 'name,value\nalpha,1\n"beta, gamma",2\n';

test.describe('Object storage', () => {
  test('folder, copy from the workspace, listing, preview, copy back', async ({ page, request, tmpPath }) => {
    const atelier = new Atelier(page, request);
    const { storage, files } = atelier;
    const bucket = `ui-${Date.now().toString(36)}`;
    await atelier.loaded();
    // A file in the workspace, where the file browser shows it.
    await atelier.api.workspace.putFile(`${tmpPath}/data.csv`, CSV);
    await files.refresh();

    await storage.open();
    await expect(storage.locator).toBeVisible();

    // A bucket and a folder, through the panel.
    await storage.newBucket(bucket);
    await expect(storage.bucketSelect).toHaveValue(bucket);

    await storage.newFolder('incoming');
    const folder = storage.row('incoming/');
    await expect(folder).toBeVisible();
    await folder.dblclick();
    await expect(storage.breadcrumbs).toContainText('incoming');

    // Copy from the workspace to storage through the file browser's context menu.
    await files.open();
    await files.contextMenu('data.csv');
    await atelier.menu('Copy to Object Storage…').click();
    await expect(atelier.dialog.input).toHaveValue('incoming/');
    await atelier.dialog.accept();

    await storage.open();
    const key = 'incoming/data.csv';
    await storage.untilListed(key);
    await expect(storage.size(key)).toHaveText(`${Buffer.byteLength(CSV)} B`);

    // Preview: the CSV as a table.
    await storage.row(key).dblclick();
    const preview = storage.preview;
    await expect(preview).toBeVisible();
    await expect(preview.locator('table')).toContainText('beta, gamma');
    await expect(preview).toContainText(`s3://${bucket}/incoming/data.csv`);

    // Copy back to the workspace under another name, then compare.
    await storage.contextMenu(key);
    await atelier.menu('Copy to Workspace…').click();
    const target = `${tmpPath}/round trip.csv`;
    await atelier.dialog.fill(target);
    await atelier.dialog.accept();
    await atelier.api.workspace.untilText(target, CSV);
  });
});

test.describe('Uploads from the computer', () => {
  test('a name that is taken is not overwritten by pressing Enter: both are kept', async ({
    page,
    request
  }, testInfo) => {
    const fs = await import('fs');
    const atelier = new Atelier(page, request);
    const objects = atelier.api.storage;
    const bucket = `taken-${Date.now().toString(36)}`;
    await objects.createBucket(bucket);
    await objects.putObject(bucket, 'notes.txt', 'old\n');
    const file = testInfo.outputPath('notes.txt');
    fs.writeFileSync(file, 'new\n');

    await atelier.loaded();
    await atelier.storage.openBucket(bucket);
    await atelier.storage.fileInput.setInputFiles(file);
    await expect(atelier.dialogWith('Name already taken').locator).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(atelier.storage.row('notes (1).txt')).toBeVisible({ timeout: 20000 });
    expect(await (await objects.object(bucket, 'notes.txt')).text()).toBe('old\n');
    expect(await (await objects.object(bucket, 'notes (1).txt')).text()).toBe('new\n');
  });

  test('a large file goes up in parts, and an interrupted upload resumes instead of starting over', async ({
    page,
    request
  }, testInfo) => {
    const crypto = await import('crypto');
    const fs = await import('fs');
    const atelier = new Atelier(page, request);
    const objects = atelier.api.storage;
    const bucket = `big-${Date.now().toString(36)}`;
    await objects.createBucket(bucket);
    const data = crypto.randomBytes(20 * 1024 * 1024 + 3);
    const file = testInfo.outputPath('big upload.bin');
    fs.writeFileSync(file, data);

    await atelier.loaded();
    await atelier.storage.openBucket(bucket);
    const input = atelier.storage.fileInput;

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
    await expect(atelier.notification('Uploading big upload.bin (1 of 1)').first()).toBeVisible({ timeout: 20000 });
    await expect(atelier.errorNotifications.first()).toContainText('interrupted', { timeout: 30000 });
    const sessions = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter(k => k.startsWith('jupyterlab-atelier:upload:'))
        .map(k => localStorage.getItem(k))
    );
    expect(sessions.length).toBe(1);
    const session = await atelier.api.get(`storage/uploads/${sessions[0]}`);
    expect(session.partsDone).toEqual([1]);
    expect((await objects.stat(bucket, 'big upload.bin')).status()).toBe(404);

    // Second attempt with the same file: only the missing part goes up.
    await page.unroute(/\/storage\/uploads\/[^/]+\/parts\/2$/);
    parts.length = 0;
    await input.setInputFiles(file);
    await expect(atelier.storage.row('big upload.bin')).toBeVisible({ timeout: 30000 });
    expect(parts).toEqual(['2']);
    await expect(atelier.storage.size('big upload.bin')).toHaveText('20 MiB');
    const back = await objects.object(bucket, 'big upload.bin');
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
    const atelier = new Atelier(page, request);
    const { storage, files } = atelier;
    const bucket = `dnd-${Date.now().toString(36)}`;
    await atelier.api.storage.createBucket(bucket);
    await atelier.api.workspace.putFile(`${tmpPath}/from-workspace.txt`, 'to storage\n');
    await atelier.api.storage.putObject(
      bucket,
      'from-storage.txt',
      Buffer.from('to the workspace\n'),
      'application/octet-stream'
    );

    await storage.openBucket(bucket);
    await files.open();
    await files.refresh();

    // Workspace → storage.
    await atelier.drag(files.item('from-workspace.txt'), storage.list);
    await storage.untilListed('from-workspace.txt');

    // Storage → workspace.
    await atelier.drag(storage.row('from-storage.txt'), files.listing);
    await atelier.api.workspace.untilText(`${tmpPath}/from-storage.txt`, 'to the workspace\n');
  });
});
