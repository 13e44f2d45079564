/*
 * The pickers of a place: the target dialogs of Copy to Object Storage… and Copy to
 * Workspace… (selects, a folder field and a list of folders to browse), the job form's
 * Browse… buttons and JupyterLab's own file dialog that they open.
 */
import type { Locator } from '@playwright/test';
import { AnyPage, attr } from './common';

/** The dialog that asks where a copy goes (to object storage, or to the workspace). */
export class TargetDialog {
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator('.jp-Dialog', { has: page.locator('.jp-Atelier-TargetDialog') });
  }

  get endpoint(): Locator {
    return this.locator.getByLabel('Endpoint', { exact: true });
  }

  get bucket(): Locator {
    return this.locator.getByLabel('Bucket', { exact: true });
  }

  /** The folder in the bucket (Copy to Object Storage…). */
  get folder(): Locator {
    return this.locator.getByLabel('Folder', { exact: true });
  }

  /** The workspace path (Copy to Workspace…). */
  get path(): Locator {
    return this.locator.getByLabel('Workspace path', { exact: true });
  }

  /** The list of the folders of the place shown. */
  get folders(): Locator {
    return this.locator.getByRole('listbox');
  }

  /** The folder `name` in the list ('..' is the parent). */
  option(name: string): Locator {
    return this.folders.getByRole('option', { name: name === '..' ? 'Parent folder' : name, exact: true });
  }

  /** The list's active option (where the arrow keys are). */
  get activeOption(): Locator {
    return this.folders.locator('[aria-selected="true"]');
  }

  /** The line under the fields: where the copy goes, or what is wrong. */
  get message(): Locator {
    return this.locator.locator('.jp-Atelier-TargetDialog-message');
  }

  get copyButton(): Locator {
    return this.locator.getByRole('button', { name: 'Copy', exact: true });
  }

  /** Clicks the folder `name` in the list: the dialog goes into it. */
  async openFolder(name: string): Promise<void> {
    await this.option(name).click();
  }
}

/** JupyterLab's own file dialog (Select a file or a folder). */
export class FileDialog {
  readonly locator: Locator;

  constructor(readonly page: AnyPage) {
    this.locator = page.locator('.jp-Dialog', { has: page.locator('.jp-Open-Dialog') });
  }

  /** The listed file or folder `name`. */
  item(name: string): Locator {
    return this.locator
      .locator('.jp-DirListing-item')
      .filter({ has: this.page.locator('.jp-DirListing-itemText').getByText(name, { exact: true }) });
  }

  /** Goes into each folder of `folders` in turn, then selects `file` and presses Select. */
  async choose(folders: string[], file?: string): Promise<void> {
    for (const folder of folders) {
      await this.item(folder).dblclick();
      await this.locator.locator('.jp-BreadCrumbs', { hasText: folder }).waitFor();
    }
    if (file !== undefined) {
      await this.item(file).click();
    }
    await this.locator.getByRole('button', { name: 'Select' }).click();
  }
}

/** The Browse… button of the job form's field `id` (`bootFile`, `notebook`, `codeDir`). */
export function browseButton(page: AnyPage, id: string): Locator {
  return page.locator(`.jp-Atelier-JobForm [data-field=${attr(id)}]`).getByRole('button', { name: /^Browse for / });
}
