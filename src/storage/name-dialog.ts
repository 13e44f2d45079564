/**
 * A dialog that asks for a name (a bucket, a folder, an object's path) and says what is wrong
 * with it while it is typed: the rule under the field, the problem in its place, and the
 * accept button off while there is one (JupyterLab's dialog does that for an element marked
 * jp-mod-error). What was typed is never thrown away: when the service
 * refuses the name, the dialog opens again with the text and the service's reason.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

export interface INameDialogOptions {
  title: string;
  /** The field's label. */
  label: string;
  /** What is in the field at first. */
  text?: string;
  placeholder?: string;
  /** The rule, shown under the field while nothing is wrong. */
  rule: string;
  /** What is wrong with a value, or null. */
  check(value: string): string | null;
  /** Acts on the name; resolves to the reason when the service refuses it, else null. */
  submit(value: string): Promise<string | null>;
  /** The accept button's label. */
  accept: string;
  trans: TranslationBundle;
}

const CLASS = 'jp-Atelier-NameDialog';

/** The dialog's body: the field and a line that holds the rule, a note, or the problem. */
class NameBody extends Widget implements Dialog.IBodyWidget<string> {
  constructor(
    private readonly _options: INameDialogOptions,
    text: string,
    private _refused: string | null
  ) {
    super();
    this.addClass(CLASS);
    const label = document.createElement('label');
    label.textContent = _options.label;
    this._input.className = 'jp-mod-styled';
    this._input.value = text;
    this._input.placeholder = _options.placeholder ?? '';
    this._input.setAttribute('aria-describedby', `${this.id}-message`);
    label.appendChild(this._input);
    this._message.id = `${this.id}-message`;
    this._message.className = `${CLASS}-message`;
    this.node.append(label, this._message);
    this._input.addEventListener('input', () => {
      this._refused = null;
      this._show();
    });
  }

  getValue(): string {
    return this._input.value;
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._show();
    this._input.focus();
    // The dialog starts listening once it is attached itself, after its body: tell it again.
    requestAnimationFrame(() => this._show());
  }

  /** The line under the field and the accept button, for what is typed now. */
  private _show(): void {
    const value = this._input.value;
    const problem = this._refused ?? this._options.check(value);
    const { trans } = this._options;
    const spaced = !problem && value !== value.trim();
    this._message.textContent =
      problem ?? (spaced ? trans.__('The name starts or ends with a space, which is kept.') : this._options.rule);
    this._message.classList.toggle('jp-mod-error', !!problem);
    this._message.setAttribute('role', problem ? 'alert' : 'status');
    this._input.setAttribute('aria-invalid', problem ? 'true' : 'false');
    // JupyterLab's dialog turns its accept button off while an element in it has jp-mod-error,
    // as it checks on an input event, which reaches it before this body has looked at the
    // value: an input event from the body makes it check again, on what is shown now.
    this.node.dispatchEvent(new Event('input', { bubbles: true }));
  }

  private _input = document.createElement('input');
  private _message = document.createElement('div');
}

/** Asks for a name until the service takes it or the user cancels; resolves to it, or null. */
export async function askName(options: INameDialogOptions): Promise<string | null> {
  let text = options.text ?? '';
  let refused: string | null = null;
  for (;;) {
    const result = await showDialog({
      title: options.title,
      body: new NameBody(options, text, refused),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: options.accept })],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    text = result.value;
    if (options.check(text)) {
      refused = null; // Enter on a name with a problem: ask again, the problem shown
      continue;
    }
    refused = await options.submit(text);
    if (refused === null) {
      return text;
    }
  }
}
