import { expect, test } from '@jupyterlab/galata';
import { Atelier } from './atelier';
import { TargetDialog } from './pages/pickers';

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
    await atelier.dialog.accept('Copy');

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
    await atelier.dialog.accept('Copy');
    await atelier.api.workspace.untilText(target, CSV);
  });
});

test.describe('Copy dialogs pick where the copy goes', () => {
  test('Copy to Object Storage… goes to another bucket and a folder chosen by browsing; a wrong folder is said in place and kept', async ({
    page,
    request,
    tmpPath
  }) => {
    const atelier = new Atelier(page, request);
    const { storage, files } = atelier;
    const objects = atelier.api.storage;
    const id = Date.now().toString(36);
    const [shown, other] = [`pick-shown-${id}`, `pick-other-${id}`];
    await objects.createBucket(shown);
    await objects.createBucket(other);
    await objects.putObject(other, 'runs/2024/kept.txt', 'x');
    await objects.putObject(other, 'runs/2025/kept.txt', 'x');
    await atelier.api.workspace.putFile(`${tmpPath}/picked.csv`, CSV);
    await atelier.loaded();
    await storage.openBucket(shown);
    await files.open();
    await files.refresh();

    await files.contextMenu('picked.csv');
    await atelier.menu('Copy to Object Storage…').click();
    const target = new TargetDialog(page);
    // It opens on what the panel shows.
    await expect(target.bucket).toHaveValue(shown);
    await expect(target.folder).toHaveValue('');
    await expect(target.message).toHaveText(`Copies to s3://${shown}/picked.csv`);

    // Another bucket, then a folder by a click and one by the keyboard.
    await target.bucket.selectOption(other);
    await target.openFolder('runs');
    await expect(target.folder).toHaveValue('runs/');
    await expect(target.option('2025')).toBeVisible();
    await target.folders.focus();
    await page.keyboard.press('ArrowDown'); // '..' → 2024
    await page.keyboard.press('ArrowDown'); // → 2025
    await expect(target.activeOption).toHaveAccessibleName('2025');
    await page.keyboard.press('ArrowRight');
    await expect(target.folder).toHaveValue('runs/2025/');
    await page.keyboard.press('ArrowLeft');
    await expect(target.folder).toHaveValue('runs/');
    await expect(target.activeOption).toHaveAccessibleName('2025'); // back where it came from
    await page.keyboard.press('Space');
    await expect(target.folder).toHaveValue('runs/2025/');

    // A wrong folder: the problem in its place, Copy off, what was typed kept.
    await target.folder.fill('runs//2025');
    await expect(target.message).toHaveText('A path has no empty part ("//").');
    await expect(target.message).toHaveClass(/jp-mod-error/);
    await expect(target.folder).toHaveAttribute('aria-invalid', 'true');
    await expect(target.copyButton).toBeDisabled();
    await page.keyboard.press('Enter'); // Enter does not copy it either: the dialog stays
    await expect(target.folder).toHaveValue('runs//2025');
    await expect(target.message).toHaveClass(/jp-mod-error/);

    await target.folder.fill('runs/2025/');
    await expect(target.message).toHaveText(`Copies to s3://${other}/runs/2025/picked.csv`);
    await expect(target.copyButton).toBeEnabled();
    await target.copyButton.click();
    await expect(target.locator).toHaveCount(0);
    await expect
      .poll(async () => {
        const res = await objects.object(other, 'runs/2025/picked.csv');
        return res.ok() ? res.text() : null;
      })
      .toBe(CSV);
    expect((await objects.stat(shown, 'picked.csv')).status()).toBe(404);

    // Copy to Workspace… browses the workspace's folders the same way, keeping the name.
    const folder = await request.put(atelier.api.workspace.url(`${tmpPath}/into`), { data: { type: 'directory' } });
    expect(folder.ok()).toBe(true);
    await storage.openBucket(other);
    await storage.row('runs/').dblclick();
    await storage.row('runs/2025/').dblclick();
    await storage.contextMenu('runs/2025/picked.csv');
    await atelier.menu('Copy to Workspace…').click();
    await expect(target.path).toHaveValue(`${tmpPath}/picked.csv`);
    await target.openFolder('into');
    await expect(target.path).toHaveValue(`${tmpPath}/into/picked.csv`);
    await target.path.fill(`${tmpPath}//picked.csv`);
    await expect(target.message).toHaveClass(/jp-mod-error/);
    await expect(target.copyButton).toBeDisabled();
    await target.path.fill(`${tmpPath}/into/picked.csv`);
    await target.copyButton.click();
    await atelier.api.workspace.untilText(`${tmpPath}/into/picked.csv`, CSV);
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

test.describe('Storage operations say what they did', () => {
  test('Copy to… ends with a notification; deleting a folder counts its objects and subfolders, empty ones too', async ({
    page,
    request
  }) => {
    const atelier = new Atelier(page, request);
    const bucket = `ops-${Date.now().toString(36)}`;
    await atelier.api.storage.createBucket(bucket);
    await atelier.api.storage.putObject(bucket, 'data/a.txt', 'abc');
    await atelier.api.storage.putObject(bucket, 'data/deep/b.txt', 'de');
    expect(
      (await atelier.api.post(`storage/endpoints/local/buckets/${bucket}/folders`, { key: 'data/empty/' })).status()
    ).toBe(201);
    await atelier.loaded();
    await atelier.storage.openBucket(bucket);

    // Copy a folder: the notification says how many objects went where.
    await atelier.storage.contextMenu('data/');
    await atelier.menu('Copy to…').click();
    await atelier.dialog.fill('copied/');
    await atelier.dialog.press('Copy');
    await expect(atelier.notification(`Copied 2 objects to s3://${bucket}/copied/`)).toBeVisible();
    await atelier.storage.untilListed('copied/');

    // Delete the original: the confirmation counts what goes, the empty subfolder included.
    await atelier.storage.contextMenu('data/');
    await atelier.menu('Delete from Object Storage…').click();
    await expect(atelier.dialog.locator).toContainText(
      `Delete the folder s3://${bucket}/data/ and everything in it: 2 objects and 2 subfolders (5 B)?`
    );
    await atelier.dialog.press('Delete');
    await expect(atelier.notification('Deleted 2 objects')).toBeVisible();
    await expect(atelier.storage.row('data/')).toHaveCount(0);
  });
});

test.describe('Previews follow their object', () => {
  test('a preview open while its object is renamed shows the new name and path', async ({ page, request }) => {
    const atelier = new Atelier(page, request);
    const bucket = `moved-${Date.now().toString(36)}`;
    await atelier.api.storage.createBucket(bucket);
    await atelier.api.storage.putObject(bucket, 'notes/draft.txt', 'hello');
    await atelier.loaded();
    await atelier.storage.openBucket(bucket);
    await atelier.storage.row('notes/').dblclick();
    await atelier.storage.row('notes/draft.txt').dblclick();
    await expect(atelier.storage.preview).toContainText(`s3://${bucket}/notes/draft.txt`);

    await atelier.storage.contextMenu('notes/draft.txt');
    await atelier.menu('Rename or Move…').click();
    await atelier.dialog.fill('notes/final.txt');
    await atelier.dialog.press('Move');
    await expect(
      atelier.notification(`Moved s3://${bucket}/notes/draft.txt to s3://${bucket}/notes/final.txt`)
    ).toBeVisible();
    await expect(atelier.storage.preview).toContainText(`s3://${bucket}/notes/final.txt`);
    await expect(page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: 'final.txt' })).toBeVisible();
    await expect(page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: 'draft.txt' })).toHaveCount(0);
  });
});

test.describe('Name dialogs', () => {
  test('say what is wrong while the name is typed, and keep a name the service refuses', async ({ page, request }) => {
    const atelier = new Atelier(page, request);
    const taken = `taken-${Date.now().toString(36)}`;
    await atelier.api.storage.createBucket(taken);
    await atelier.loaded();
    await atelier.storage.open();

    await atelier.storage.locator.getByRole('button', { name: 'New Bucket' }).click();
    const dialog = atelier.dialog;
    const create = dialog.button('Create');
    const message = dialog.locator.locator('.jp-Atelier-NameDialog-message');
    await expect(create).toBeDisabled();
    await expect(message).toHaveText('Give the bucket a name.');
    await dialog.input.pressSequentially('Bad_Name');
    await expect(message).toContainText('lowercase letters, digits');
    await expect(dialog.input).toHaveAttribute('aria-invalid', 'true');
    await expect(create).toBeDisabled();

    // A valid name the service refuses (it exists): the dialog comes back with it and the reason.
    await dialog.input.fill(taken);
    await expect(create).toBeEnabled();
    await create.click();
    await expect(dialog.input).toHaveValue(taken);
    await expect(message).toContainText('already exists');
    await dialog.input.fill(`${taken}-2`);
    await create.click();
    await expect(dialog.locator).toHaveCount(0);
    await expect(atelier.storage.bucketSelect).toHaveValue(`${taken}-2`);
  });
});

test.describe('Readable names', () => {
  test('names that differ at the end stay told apart at the sidebar’s default width', async ({ page, request }) => {
    const atelier = new Atelier(page, request);
    const bucket = `names-${Date.now().toString(36)}`;
    await atelier.api.storage.createBucket(bucket);
    for (const key of ['a rather long iris sample.csv', 'a rather long iris sample (1).csv']) {
      await atelier.api.storage.putObject(bucket, key, 'x');
    }
    await atelier.loaded();
    await atelier.storage.openBucket(bucket);
    const ends: string[] = [];
    for (const key of ['a rather long iris sample.csv', 'a rather long iris sample (1).csv']) {
      const name = atelier.storage.row(key).locator('.jp-Atelier-StorageBrowser-itemName');
      await expect(name).toHaveAttribute('data-name', key);
      const tail = name.locator('.jp-Atelier-StorageBrowser-itemNameTail');
      // The end of the name is shown whole, inside the name's column.
      const [whole, end] = [await name.boundingBox(), await tail.boundingBox()];
      expect(end!.x + end!.width).toBeLessThanOrEqual(whole!.x + whole!.width + 1);
      expect(end!.width).toBeGreaterThan(0);
      ends.push((await tail.textContent()) ?? '');
    }
    expect(ends[0]).not.toBe(ends[1]);
    expect(ends[1]).toContain('(1).csv');
    // The names got the room: the Modified column gives way at this width, header and cells.
    await expect(atelier.storage.locator.locator('.jp-Atelier-StorageBrowser-column-modified')).toBeHidden();
    await expect(
      atelier.storage.row('a rather long iris sample.csv').locator('.jp-Atelier-StorageBrowser-itemModified')
    ).toBeHidden();
  });
});

/** WCAG's contrast ratio of two CSS colours given as rgb()/rgba() strings. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, bl] = css
      .match(/[\d.]+/g)!
      .slice(0, 3)
      .map(Number);
    const channel = (c: number) => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(bl);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test.describe('Selected rows', () => {
  test('a selected row reads at a contrast of at least 4.5:1, in the light and the dark theme', async ({
    page,
    request
  }) => {
    const atelier = new Atelier(page, request);
    const bucket = `contrast-${Date.now().toString(36)}`;
    await atelier.api.storage.createBucket(bucket);
    await atelier.api.storage.putObject(bucket, 'selected.txt', 'x');
    await atelier.loaded();
    await atelier.storage.openBucket(bucket);
    const row = atelier.storage.row('selected.txt');
    await row.click();
    for (const theme of ['light', 'dark']) {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await expect(row).toHaveClass(/jp-mod-selected/);
      const [color, background] = await row.evaluate(node => {
        const style = getComputedStyle(node);
        return [
          getComputedStyle(node.querySelector('.jp-Atelier-StorageBrowser-itemName')!).color,
          style.backgroundColor
        ];
      });
      expect(contrast(color, background), `${theme} theme: ${color} on ${background}`).toBeGreaterThanOrEqual(4.5);
    }
  });
});
