/*
 * The Training Jobs panel, the job form and a job's detail view.
 */
import type { Locator } from '@playwright/test';
import { AnyPage, attr, galata } from './common';

/** The Training Jobs sidebar panel. */
export class JobsPanel {
  /** The panel's CSS selector (for checks that take selectors, such as axe's). */
  readonly selector = '#jp-atelier-jobs';
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator(this.selector);
  }

  async open(): Promise<void> {
    await galata(this.page, 'Opening the jobs panel').sidebar.openTab('jp-atelier-jobs');
  }

  /** The panel's New Training Job… button: opens an empty job form. */
  async newJob(): Promise<void> {
    await this.locator.getByRole('button', { name: 'New Training Job…' }).click();
  }

  /** The list itself (one Tab stop; the active row is its aria-activedescendant). */
  get list(): Locator {
    return this.locator.getByRole('listbox', { name: 'Training jobs' });
  }

  /** The listed job called `name`. */
  item(name: string): Locator {
    return this.locator.locator('.jp-Atelier-Jobs-item', { hasText: name });
  }

  /** The listed job whose id is `id`. */
  row(id: string): Locator {
    return this.locator.locator(`.jp-Atelier-Jobs-list [data-job-id=${attr(id)}]`);
  }
}

/** The tables of the job form, by their `data-kind`, and the title their fields are labelled with. */
const PAIR_TABLES = {
  parameters: 'Hyperparameters',
  environments: 'Environment variables',
  inputs: 'Inputs',
  outputs: 'Outputs'
};

/** The launcher form of a training job. */
export class JobForm {
  /** The form's CSS selector (for checks that take selectors, such as axe's). */
  readonly selector = '.jp-Atelier-JobForm';
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator(this.selector);
  }

  /** Opens the form for the current notebook from the notebook's toolbar. */
  async openFromNotebook(): Promise<void> {
    await this.page.locator('.jp-NotebookPanel-toolbar [data-command="atelier:jobs-run-notebook"]').click();
  }

  /** The field `id` (`name`, `notebook`, `bootFile`, `flavorId`…). */
  field(id: string): Locator {
    return this.locator.locator(`#jp-atelier-job-${id}`);
  }

  /** The message beside the field `id` when its value is refused. */
  fieldError(id: string): Locator {
    return this.locator.locator(`[data-field=${attr(id)}] [role="alert"]`);
  }

  /** A table of name–value pairs. */
  table(kind: keyof typeof PAIR_TABLES): Locator {
    return this.locator.locator(`fieldset[data-kind=${attr(kind)}]`);
  }

  /** The name (`part` 'name') or value of the table's row `n` (from 1). */
  pair(kind: keyof typeof PAIR_TABLES, n: number, part: 'name' | 'value'): Locator {
    return this.table(kind).getByLabel(`${PAIR_TABLES[kind]} ${part} ${n}`);
  }

  /** Add → the new row's name and value. */
  async addPair(kind: keyof typeof PAIR_TABLES, name: string, value: string): Promise<void> {
    const n = (await this.table(kind).locator('.jp-Atelier-JobForm-row').count()) + 1;
    await this.table(kind).getByRole('button', { name: 'Add' }).click();
    await this.pair(kind, n, 'name').fill(name);
    await this.pair(kind, n, 'value').fill(value);
  }

  async submit(): Promise<void> {
    await this.locator.getByRole('button', { name: 'Submit' }).click();
  }

  async cancel(): Promise<void> {
    await this.locator.getByRole('button', { name: 'Cancel' }).click();
  }
}

/** A job's detail view. */
export class JobDetail {
  /** The view's CSS selector (for checks that take selectors, such as axe's). */
  readonly selector = '.jp-Atelier-JobDetail';
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator(this.selector);
  }

  get title(): Locator {
    return this.locator.locator('h2');
  }

  get log(): Locator {
    return this.locator.locator('.jp-Atelier-JobDetail-log');
  }

  /** The phase in the header. */
  get phase(): Locator {
    return this.locator.locator('.jp-Atelier-JobDetail-header .jp-Atelier-JobPhase');
  }

  get timeline(): Locator {
    return this.locator.locator('.jp-Atelier-JobDetail-timeline');
  }

  button(name: string | RegExp): Locator {
    return this.locator.getByRole('button', { name });
  }
}
