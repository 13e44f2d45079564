import { expect, test } from '@jupyterlab/galata';
import { Atelier } from './atelier';
import { browseButton, FileDialog } from './pages/pickers';

const notebook = (lines: string[]) => ({
  cells: [
    { cell_type: 'code', metadata: { tags: ['parameters'] }, source: 'epochs = 1', outputs: [], execution_count: null },
    { cell_type: 'code', metadata: {}, source: lines.join('\n'), outputs: [], execution_count: null }
  ],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  nbformat: 4,
  nbformat_minor: 5
});

test.describe('Training jobs', () => {
  test('run a notebook from its toolbar with a hyperparameter, watch the log live, open the output', async ({
    page,
    request,
    tmpPath
  }) => {
    const atelier = new Atelier(page, request);
    const { jobForm: form, jobDetail: detail } = atelier;
    const content = notebook([
      'import os, time',
      'for i in range(epochs):',
      '    print(f"epoch {i}", flush=True)',
      '    time.sleep(1)',
      'open(os.path.join(os.environ["ATELIER_OUTPUT_MODEL"], "model.txt"), "w").write(f"epochs={epochs}")'
    ]);
    await atelier.api.workspace.putNotebook(`${tmpPath}/train.ipynb`, content);
    await atelier.loaded();
    await page.notebook.openByPath(`${tmpPath}/train.ipynb`);
    await page.notebook.activate('train.ipynb');

    // The notebook's toolbar button opens the launcher form for this notebook.
    await form.openFromNotebook();
    await expect(form.locator).toBeVisible();
    await expect(form.field('name')).toHaveValue('train');
    await expect(form.field('notebook')).toHaveValue(`${tmpPath}/train.ipynb`);

    // A bad value is caught beside its field before anything is sent.
    await form.field('name').fill('not a name');
    await form.submit();
    await expect(form.fieldError('name')).toContainText('letters, digits');
    // ...and the form says so where the user looks: the field focused, its nearest valid name
    // offered, and a notification that nothing was submitted.
    await expect(form.field('name')).toBeFocused();
    await expect(form.fieldError('name')).toContainText('For example "not-a-name".');
    await expect(atelier.notification(/Nothing was submitted: Use letters, digits/)).toBeVisible();
    await form.field('name').fill('train-ui');

    await form.addPair('parameters', 'epochs', '4');
    await form.addPair('outputs', 'model', `${tmpPath}/results`);
    await form.submit();

    // The detail view opens and the log arrives while the job runs.
    await expect(detail.title).toHaveText('train-ui');
    await expect(detail.log).toContainText('epoch 0', { timeout: 60000 });
    await expect(detail.phase).toHaveText('Running');
    await expect(detail.log).not.toContainText('epoch 3');
    await expect(detail.log).toContainText('epoch 3');
    await expect(detail.phase).toHaveText('Completed', { timeout: 60000 });
    await expect(detail.timeline).toContainText('Exit code 0');

    // The sidebar lists it; the output opens in the file browser.
    await atelier.jobs.open();
    await expect(atelier.jobs.item('train-ui')).toContainText('Completed');
    // Each row says when it was submitted; the list is one Tab stop, and the arrows move in it.
    const second = await atelier.api.post('jobs', { name: 'second-ui', command: 'true' });
    expect(second.status()).toBe(201);
    await expect(atelier.jobs.item('second-ui')).toBeVisible();
    await expect(atelier.jobs.item('train-ui').locator('time')).toHaveAttribute('datetime', /^\d{4}-/);
    const list = atelier.jobs.list;
    await expect(list).toHaveAttribute('tabindex', '0');
    await expect(atelier.jobs.locator.locator('.jp-Atelier-Jobs-item[tabindex]')).toHaveCount(0);
    await atelier.jobs.item('second-ui').click();
    await page.keyboard.press('ArrowDown');
    await expect(list).toBeFocused();
    const trainRow = atelier.jobs.item('train-ui');
    await expect(list).toHaveAttribute('aria-activedescendant', (await trainRow.getAttribute('id'))!);
    await expect(trainRow).toHaveAttribute('aria-selected', 'true');
    // Shift extends the selection; two selected jobs compare from the context menu.
    await page.keyboard.press('Shift+ArrowUp');
    await expect(atelier.jobs.locator.locator('[aria-selected="true"]')).toHaveCount(2);
    await page.keyboard.press('ArrowDown');
    await expect(atelier.jobs.locator.locator('[aria-selected="true"]')).toHaveCount(1);
    await detail.button('Open output model').click();
    await expect(atelier.files.item('model.txt').first()).toBeVisible();
    const written = await atelier.api.workspace.model(`${tmpPath}/results/model.txt`, { text: true });
    expect(written?.content).toBe('epochs=4');

    // The form remembers what was used for this notebook.
    await page.notebook.activate('train.ipynb');
    await form.openFromNotebook();
    await expect(form.field('name')).toHaveValue('train-ui');
    await expect(form.pair('parameters', 1, 'value')).toHaveValue('4');
    await form.cancel();
    await expect(form.locator).toHaveCount(0);
  });
});

test.describe('The job form’s workspace paths', () => {
  test('Browse… fills the boot file with the file chosen in JupyterLab’s file dialog, and the job runs it', async ({
    page,
    request,
    tmpPath
  }) => {
    const atelier = new Atelier(page, request);
    const { jobForm: form, jobDetail: detail } = atelier;
    const code = await request.put(atelier.api.workspace.url(`${tmpPath}/code`), { data: { type: 'directory' } });
    expect(code.ok()).toBe(true);
    await atelier.api.workspace.putFile(
      `${tmpPath}/code/train.py`,
      'print("trained by the picked file", flush=True)\n'
    );
    await atelier.api.workspace.putFile(`${tmpPath}/code/notes.txt`, 'not a program\n');
    await atelier.loaded();
    await atelier.runCommand('New Training Job…');
    await expect(form.locator).toBeVisible();

    // The boot file has a visible label and an example that does not pass for a value.
    const boot = form.field('bootFile');
    await expect(form.locator.locator('label[for="jp-atelier-job-bootFile"]')).toHaveText('Boot file');
    await expect(boot).toHaveValue('');
    await expect(boot).toHaveAttribute('placeholder', 'e.g. train.py');
    const [placeholder, muted] = await boot.evaluate(node => {
      const style = getComputedStyle(document.body);
      return [getComputedStyle(node, '::placeholder').color, style.getPropertyValue('--jp-ui-font-color3').trim()];
    });
    const probe = await page.evaluate(color => {
      const span = document.createElement('span');
      span.style.color = color;
      document.body.appendChild(span);
      const value = getComputedStyle(span).color;
      span.remove();
      return value;
    }, muted);
    expect(placeholder).toBe(probe);

    // Browse… opens JupyterLab's file dialog; the chosen file fills the field.
    await browseButton(page, 'bootFile').click();
    const dialog = new FileDialog(page);
    await expect(dialog.locator).toBeVisible();
    await expect(dialog.item(tmpPath)).toBeVisible();
    await dialog.item(tmpPath).dblclick();
    await dialog.item('code').dblclick();
    await expect(dialog.item('train.py')).toBeVisible();
    await expect(dialog.item('notes.txt')).toHaveCount(0); // not a .py or .sh file
    await dialog.item('train.py').click();
    await dialog.locator.getByRole('button', { name: 'Select' }).click();
    await expect(dialog.locator).toHaveCount(0);
    await expect(boot).toHaveValue(`${tmpPath}/code/train.py`);
    await expect(boot).toBeFocused();

    // The code directory's Browse… opens where that file is.
    await browseButton(page, 'codeDir').click();
    await expect(dialog.item('train.py')).toHaveCount(0); // folders only
    await expect(dialog.locator.locator('.jp-BreadCrumbs')).toContainText('code');
    await dialog.locator.getByRole('button', { name: 'Cancel' }).click();
    await expect(form.field('codeDir')).toHaveValue('');

    await form.field('name').fill('picked-boot');
    await form.submit();
    await expect(detail.title).toHaveText('picked-boot');
    await expect(detail.log).toContainText('trained by the picked file', { timeout: 60000 });
    await expect(detail.phase).toHaveText('Completed', { timeout: 60000 });
  });
});
