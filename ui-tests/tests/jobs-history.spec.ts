import { expect, test } from '@jupyterlab/galata';
import { Atelier } from './atelier';

/** More jobs than one page (100) of the list. */
const COUNT = 130;

test.describe('A long jobs history', () => {
  test('the sidebar keeps a few dozen rows in the page, reads more as it scrolls, and asks the service to filter', async ({
    page,
    request
  }) => {
    test.setTimeout(240000);
    const atelier = new Atelier(page, request);
    const stamp = Date.now().toString(36);
    for (let i = 0; i < COUNT; i++) {
      const res = await atelier.api.post('jobs', { name: `hist-${stamp}-${i}`, command: 'true' });
      expect(res.status()).toBe(201);
    }
    // A fresh page reads the list as it stands (jobs pushed while it is open join the list).
    await page.goto();
    await atelier.jobs.open();
    const rows = atelier.jobs.locator.locator('.jp-Atelier-Jobs-item');
    const count = atelier.jobs.locator.locator('.jp-Atelier-Jobs-count');
    await expect(atelier.jobs.item(`hist-${stamp}-${COUNT - 1}`)).toBeVisible();
    // One page read; of it, only the rows in view (and a few around them) are in the page.
    await expect(count).toHaveText(/^100 of \d+ jobs$/);
    const total = Number(/of (\d+)/.exec((await count.textContent())!)![1]);
    expect(total).toBeGreaterThanOrEqual(COUNT);
    expect(await rows.count()).toBeLessThan(50);

    // End goes to the last loaded job and the next page is read.
    await atelier.jobs.list.focus();
    await page.keyboard.press('End');
    await expect(count).not.toHaveText(/^100 of/);
    expect(await rows.count()).toBeLessThan(60);
    const list = atelier.jobs.list;
    const active = await list.getAttribute('aria-activedescendant');
    expect(active).toMatch(/^atelier-job-row-\d+$/);
    await expect(page.locator(`#${active}`)).toHaveAttribute('aria-selected', 'true');

    // The filter is the service's: one match among them all.
    await atelier.jobs.locator.getByRole('searchbox', { name: 'Filter jobs' }).fill(`hist-${stamp}-${COUNT - 1}`);
    await expect(count).toHaveText('1 job');
    await expect(rows).toHaveCount(1);
    await expect(atelier.jobs.item(`hist-${stamp}-${COUNT - 1}`)).toBeVisible();
    await atelier.jobs.locator.getByRole('searchbox', { name: 'Filter jobs' }).fill(`no-such-job-${stamp}`);
    await expect(atelier.jobs.locator.getByRole('status')).toContainText('No training job matches');
    await atelier.jobs.locator.getByRole('searchbox', { name: 'Filter jobs' }).fill('');
    await expect(count).toHaveText(/^100 of \d+ jobs$/);
  });
});
