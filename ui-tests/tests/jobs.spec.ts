import { expect, test } from '@jupyterlab/galata';
import { atelierLoaded, watchPage } from './helpers';

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
    watchPage(page);
    const content = notebook([
      'import os, time',
      'for i in range(epochs):',
      '    print(f"epoch {i}", flush=True)',
      '    time.sleep(1)',
      'open(os.path.join(os.environ["ATELIER_OUTPUT_MODEL"], "model.txt"), "w").write(f"epochs={epochs}")'
    ]);
    const put = await request.put(`/api/contents/${tmpPath}/train.ipynb`, {
      data: { type: 'notebook', format: 'json', content }
    });
    expect(put.ok()).toBe(true);
    await page.reload();
    await atelierLoaded(page);
    await page.notebook.openByPath(`${tmpPath}/train.ipynb`);
    await page.notebook.activate('train.ipynb');

    // The notebook's toolbar button opens the launcher form for this notebook.
    await page.locator('.jp-NotebookPanel-toolbar [data-command="atelier:jobs-run-notebook"]').click();
    const form = page.locator('.jp-Atelier-JobForm');
    await expect(form).toBeVisible();
    await expect(form.locator('#jp-atelier-job-name')).toHaveValue('train');
    await expect(form.locator('#jp-atelier-job-notebook')).toHaveValue(`${tmpPath}/train.ipynb`);

    // A bad value is caught beside its field before anything is sent.
    await form.locator('#jp-atelier-job-name').fill('not a name');
    await form.getByRole('button', { name: 'Submit' }).click();
    await expect(form.locator('[data-field="name"] [role="alert"]')).toContainText('letters, digits');
    await form.locator('#jp-atelier-job-name').fill('train-ui');

    const parameters = form.locator('fieldset[data-kind="parameters"]');
    await parameters.getByRole('button', { name: 'Add' }).click();
    await parameters.getByLabel('Hyperparameters name 1').fill('epochs');
    await parameters.getByLabel('Hyperparameters value 1').fill('4');
    const outputs = form.locator('fieldset[data-kind="outputs"]');
    await outputs.getByRole('button', { name: 'Add' }).click();
    await outputs.getByLabel('Outputs name 1').fill('model');
    await outputs.getByLabel('Outputs value 1').fill(`${tmpPath}/results`);
    await form.getByRole('button', { name: 'Submit' }).click();

    // The detail view opens and the log arrives while the job runs.
    const detail = page.locator('.jp-Atelier-JobDetail');
    await expect(detail.locator('h2')).toHaveText('train-ui');
    const log = detail.locator('.jp-Atelier-JobDetail-log');
    await expect(log).toContainText('epoch 0', { timeout: 60000 });
    await expect(detail.locator('.jp-Atelier-JobDetail-header .jp-Atelier-JobPhase')).toHaveText('Running');
    await expect(log).not.toContainText('epoch 3');
    await expect(log).toContainText('epoch 3');
    await expect(detail.locator('.jp-Atelier-JobDetail-header .jp-Atelier-JobPhase')).toHaveText('Completed', {
      timeout: 60000
    });
    await expect(detail.locator('.jp-Atelier-JobDetail-timeline')).toContainText('Exit code 0');

    // The sidebar lists it; the output opens in the file browser.
    await page.sidebar.openTab('jp-atelier-jobs');
    await expect(page.locator('#jp-atelier-jobs .jp-Atelier-Jobs-item', { hasText: 'train-ui' })).toContainText(
      'Completed'
    );
    await detail.getByRole('button', { name: 'Open output model' }).click();
    await expect(
      page.locator('.jp-DirListing-item[title*="model.txt"], .jp-DirListing-item:has-text("model.txt")').first()
    ).toBeVisible();
    const written = await request.get(`/api/contents/${tmpPath}/results/model.txt?content=1&type=file&format=text`);
    expect((await written.json()).content).toBe('epochs=4');

    // The form remembers what was used for this notebook.
    await page.notebook.activate('train.ipynb');
    await page.locator('.jp-NotebookPanel-toolbar [data-command="atelier:jobs-run-notebook"]').click();
    const again = page.locator('.jp-Atelier-JobForm');
    await expect(again.locator('#jp-atelier-job-name')).toHaveValue('train-ui');
    await expect(again.locator('fieldset[data-kind="parameters"]').getByLabel('Hyperparameters value 1')).toHaveValue(
      '4'
    );
    await again.getByRole('button', { name: 'Cancel' }).click();
    await expect(again).toHaveCount(0);
  });
});
