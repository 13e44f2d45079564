/*
 * Accessibility: axe-core on every Atelier panel, dialog and form, in the light and the dark
 * theme, against the WCAG 2.0 and 2.1 rules of levels A and AA. Each part is checked as a person
 * sees it in use (a bucket open with objects listed and one selected, jobs listed, a form with a
 * field refused), scoped with axe's `include` to the part itself; no rule is turned off. JupyterLab's
 * own file browser is checked the same way first, as a control: it passes, so a violation in
 * an Atelier part is Atelier's to fix. A failure lists each violation's rule, impact, help and
 * the nodes it was found on.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Atelier, describeViolation, Dialog } from './atelier';

for (const theme of ['light', 'dark'] as const) {
  test.describe(`Accessibility in the ${theme} theme`, () => {
    test(`every Atelier panel, dialog and form passes axe's WCAG 2 A and AA rules (${theme})`, async ({
      page,
      request,
      tmpPath
    }) => {
      test.setTimeout(240000);
      const atelier = new Atelier(page, request);
      const { storage, files, jobs, jobForm, jobDetail } = atelier;
      const check = checker(atelier, theme);

      // What the parts show: a bucket with a folder and objects, a workspace file, two jobs.
      const bucket = `a11y-${theme}-${Date.now().toString(36)}`;
      await atelier.api.storage.createBucket(bucket);
      await atelier.api.storage.putObject(bucket, 'data/a.txt', 'abc');
      await atelier.api.storage.putObject(bucket, 'iris.csv', 'name,value\nsetosa,1\nvirginica,2\n', 'text/csv');
      await atelier.api.storage.putObject(bucket, 'notes.txt', 'hello\n');
      await atelier.api.storage.createFolder(bucket, 'empty/');
      await atelier.api.workspace.putFile(`${tmpPath}/workspace.txt`, 'from the workspace\n');
      const done = `a11y-done-${theme}`;
      const failed = `a11y-failed-${theme}`;
      const copy = {
        direction: 'to-storage',
        endpoint: 'local',
        bucket,
        key: 'copied/workspace.txt',
        path: `${tmpPath}/workspace.txt`,
        overwrite: false
      };
      expect((await atelier.api.post('transfers', copy)).status()).toBe(201);
      expect((await atelier.api.post('jobs', { name: done, command: 'echo hello' })).status()).toBe(201);
      expect((await atelier.api.post('jobs', { name: failed, command: 'exit 3' })).status()).toBe(201);

      await atelier.loaded();
      if (theme === 'dark') {
        await (page as IJupyterLabPageFixture).theme.setDarkTheme();
      }

      // The control: JupyterLab's file browser, a file selected. Its breadcrumbs and listing, not
      // its toolbar: JupyterLab 4.6's toolbar buttons (jp-button elements) carry aria-pressed,
      // which axe's aria-allowed-attr refuses on an element without a role; that is JupyterLab's,
      // not Atelier's, and no rule is turned off for it.
      await files.open();
      await files.refresh();
      await files.item('workspace.txt').click();
      await check("JupyterLab's file browser", files.contentSelectors);

      // The Object Storage panel: a bucket open, objects listed, a row selected; then in a folder.
      await storage.openBucket(bucket);
      await storage.row('notes.txt').click();
      await expect(storage.row('notes.txt')).toHaveClass(/jp-mod-selected/);
      await check('Object Storage panel', storage.selector);
      // The keyboard, as the roles promise: the listbox has the focus, the arrows move the
      // selection, the active descendant follows it, Enter opens a folder, Backspace goes up.
      await expect(storage.listbox).toBeFocused();
      await page.keyboard.press('ArrowUp');
      await expect(storage.row('iris.csv')).toHaveAttribute('aria-selected', 'true');
      const active = await storage.row('iris.csv').getAttribute('id');
      await expect(storage.listbox).toHaveAttribute('aria-activedescendant', active!);
      await page.keyboard.press('Home');
      const first = storage.listbox.getByRole('option').first();
      await expect(first).toHaveAttribute('aria-selected', 'true');
      await expect(first).toHaveAttribute('data-kind', 'folder');
      const folder = (await first.getAttribute('data-key'))!;
      await page.keyboard.press('Enter');
      await expect(storage.breadcrumbs).toContainText(folder.slice(0, -1));
      await page.keyboard.press('Backspace');
      await expect(storage.row('notes.txt')).toBeVisible();
      // Wider, the Modified column shows too (it gives way at the sidebar's default width).
      await storage.widen(200);
      await expect(storage.modified('notes.txt')).toBeVisible();
      await check('Object Storage panel, wide', storage.selector);
      await storage.row('data/').dblclick();
      await expect(storage.row('data/a.txt')).toBeVisible();
      await check('Object Storage panel in a folder', storage.selector);
      await storage.breadcrumbs.getByRole('button', { name: bucket }).click();
      await storage.row('empty/').dblclick();
      await expect(storage.list).toContainText('This folder is empty');
      await check('Object Storage panel in an empty folder', storage.selector);
      await expect(storage.listbox).toBeFocused();
      await page.keyboard.press('Backspace');
      await expect(storage.row('notes.txt')).toBeVisible();

      // Its dialogs. A name dialog with a name it refuses, its problem shown.
      await storage.button('New Bucket').click();
      await atelier.dialog.input.pressSequentially('Bad_Name');
      await expect(atelier.dialog.input).toHaveAttribute('aria-invalid', 'true');
      await check('New Bucket dialog, a name refused', Dialog.selector);
      await atelier.dialog.press('Cancel');
      await storage.button('New Folder').click();
      await expect(atelier.dialog.input).toBeVisible();
      await check('New Storage Folder dialog', Dialog.selector);
      await atelier.dialog.press('Cancel');
      for (const [command, title] of [
        ['Rename or Move…', 'Rename or Move… dialog'],
        ['Copy to…', 'Copy to… dialog'],
        ['Copy to Workspace…', 'Copy to Workspace… dialog'],
        ['Delete from Object Storage…', 'delete confirmation']
      ]) {
        await storage.contextMenu('notes.txt');
        await atelier.menu(command).click();
        await expect(atelier.dialog.locator).toBeVisible();
        await check(title, Dialog.selector);
        await atelier.dialog.press('Cancel');
        await expect(atelier.dialog.locator).toHaveCount(0);
      }

      // A preview.
      await storage.row('iris.csv').dblclick();
      await expect(storage.preview.locator('table')).toContainText('virginica');
      await check('object preview', storage.previewSelector);

      // Copy to Object Storage… from the file browser.
      await files.open();
      await files.contextMenu('workspace.txt');
      await atelier.menu('Copy to Object Storage…').click();
      await expect(atelier.dialog.locator.locator('input').first()).toBeVisible();
      await check('Copy to Object Storage… dialog', Dialog.selector);
      await atelier.dialog.press('Cancel');
      await expect(atelier.dialog.locator).toHaveCount(0);

      // The transfers list, the copy completed.
      await atelier.runCommand('Show Transfers');
      await expect(atelier.transfers.filter({ hasText: 'copied/workspace.txt' }).first()).toContainText('completed', {
        timeout: 30000
      });
      await check('transfers list', Dialog.selector);
      await atelier.dialog.press('Close');

      // The Training Jobs panel, jobs listed and one selected; a job's detail view.
      await jobs.open();
      await expect(jobs.item(done)).toContainText('Completed', { timeout: 60000 });
      await expect(jobs.item(failed)).toContainText('Failed', { timeout: 60000 });
      await jobs.item(done).click();
      await check('Training Jobs panel', jobs.selector);
      await jobs.item(done).dblclick();
      await expect(jobDetail.log).toContainText('hello', { timeout: 30000 });
      await check("a job's detail view", jobDetail.selector);

      // The job form, empty and then with a field refused.
      await jobs.newJob();
      await expect(jobForm.field('name')).toBeVisible();
      await check('job form (New Training Job…)', jobForm.selector);
      await jobForm.field('name').fill('not a name');
      await jobForm.submit();
      await expect(jobForm.fieldError('name')).toBeVisible();
      await check('job form with a field refused', jobForm.selector);
      await jobForm.cancel();

      // The flavor status item, the flavor picker and the status details.
      await check('flavor status item', atelier.statusItemSelector);
      await atelier.flavors.open();
      await expect(atelier.flavors.items.first()).toBeVisible();
      await check('flavor picker', Dialog.selector);
      await atelier.flavors.dialog.press('Cancel');
      await atelier.runCommand('Show Atelier Status');
      await expect(atelier.statusDetails).toBeVisible();
      await check('Atelier status details', Dialog.selector);
      await page.keyboard.press('Escape');
    });
  });
}

/**
 * A check of one part: axe's violations inside `include`, recorded as a soft failure that names
 * the part and the theme and lists each violation (rule, impact, help, nodes), so that one run
 * tells every part that fails.
 */
function checker(atelier: Atelier, theme: string): (part: string, include: string | string[]) => Promise<void> {
  return async (part, include) => {
    const violations = await atelier.a11y.violations(include);
    expect
      .soft(
        violations.map(describeViolation),
        `${part} (${theme} theme, ${include}): WCAG 2 A/AA violations, one per line: rule (impact): help <url> at nodes`
      )
      .toEqual([]);
  };
}
