/*
 * The flavor picker and its confirmation, from the status bar.
 */
import { expect } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { AnyPage, attr, Dialog } from './common';

/** The flavor picker the status item opens, and the confirmation after it. */
export class FlavorPicker {
  readonly dialog: Dialog;

  constructor(readonly page: AnyPage) {
    this.dialog = new Dialog(page);
  }

  /** Opens the picker from the status bar. */
  async open(): Promise<void> {
    await this.page.locator('.jp-Atelier-StatusItem button').click();
  }

  /** Every flavor offered. */
  get items(): Locator {
    return this.dialog.locator.locator('.jp-Atelier-FlavorPicker-item');
  }

  /** The flavor `flavorId`. */
  item(flavorId: string): Locator {
    return this.dialog.locator.locator(`.jp-Atelier-FlavorPicker-item[data-flavor=${attr(flavorId)}]`);
  }

  /** Picks `flavorId` and continues to the confirmation. */
  async choose(flavorId: string): Promise<void> {
    await this.item(flavorId).click();
    await this.dialog.press('Continue…');
  }

  /** The unsaved documents the confirmation lists. */
  get unsaved(): Locator {
    return this.dialog.locator.locator('.jp-Atelier-FlavorConfirm li');
  }

  /**
   * Status bar → picker → `flavorId` → the confirmation, which names `name` and the unsaved
   * documents `unsaved` → Switch. The caller follows the progress.
   */
  async switchTo(flavorId: string, name: string, unsaved: string[]): Promise<void> {
    await this.open();
    await this.choose(flavorId);
    await expect(this.dialog.locator).toContainText(`Switch to ${name}?`);
    await expect(this.unsaved).toHaveText(unsaved);
    await this.dialog.press('Switch');
  }
}
