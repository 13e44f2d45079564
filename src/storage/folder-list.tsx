/**
 * A small list of the folders in one place (a bucket's prefix, a workspace folder) that a
 * target dialog browses with: a click or Space/→ goes into a folder, ".." or ←/Backspace goes
 * up. It is one Tab stop (a listbox whose active option follows the arrow keys); Enter is the
 * dialog's and accepts the target as it stands.
 */
import * as React from 'react';
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { folderIcon, ReactWidget } from '@jupyterlab/ui-components';

const CLASS = 'jp-Atelier-FolderList';

/** What a listing of one place found: its folders' names (no '/'), and whether there are more. */
export interface IFolders {
  folders: string[];
  more: boolean;
}

/** The folder `location` is in ('' at the top); `location` ends with '/' or is ''. */
export function parentFolder(location: string): string {
  const trimmed = location.endsWith('/') ? location.slice(0, -1) : location;
  return trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
}

/**
 * The folders of `location`, asked of `list` a moment after it stops changing (typing), the
 * answer to an older location dropped. Null while it is asked; an error's message otherwise.
 */
export function useFolders(
  key: string | null,
  list: () => Promise<IFolders>
): { folders: IFolders | null; error: string | null } {
  const [state, setState] = React.useState<{ key: string | null; folders: IFolders | null; error: string | null }>({
    key: null,
    folders: null,
    error: null
  });
  React.useEffect(() => {
    if (key === null) {
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      list().then(
        folders => current && setState({ key, folders, error: null }),
        e => current && setState({ key, folders: { folders: [], more: false }, error: (e as Error).message })
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key]);
  if (key === null) {
    return { folders: { folders: [], more: false }, error: null };
  }
  // What was found for another place is not shown for this one.
  return state.key === key ? state : { folders: null, error: null };
}

export interface IFolderListProps {
  trans: TranslationBundle;
  /** The list's accessible name. */
  label: string;
  /** The place listed: '' at the top, else ending with '/'. */
  location: string;
  /** How the place is shown above the list (a URI, a workspace path). */
  shownAs: string;
  /** Its folders, or null while they are asked. */
  folders: IFolders | null;
  error: string | null;
  /** Goes into the folder `name` of the place. */
  open(name: string): void;
  /** Goes to the place's parent. */
  up(): void;
}

/** The folders of one place, with ".." first below the top. */
export function FolderList(props: IFolderListProps): JSX.Element {
  const { trans, location, folders } = props;
  const options: Array<{ name: string; up: boolean }> = [
    ...(location ? [{ name: '..', up: true }] : []),
    ...(folders?.folders ?? []).map(name => ({ name, up: false }))
  ];
  const [active, setActive] = React.useState(0);
  // A new place starts at its first option (the one came from, once listed, after going up).
  const [cameFrom, setCameFrom] = React.useState<string | null>(null);
  React.useEffect(() => {
    const back = cameFrom === null ? -1 : options.findIndex(o => !o.up && o.name === cameFrom);
    setActive(back >= 0 ? back : 0);
  }, [location, folders]);
  const idBase = React.useMemo(() => `${CLASS}-${Math.random().toString(36).slice(2, 8)}`, []);
  const optionId = (i: number) => `${idBase}-${i}`;
  const list = React.useRef<HTMLUListElement>(null);
  React.useEffect(() => {
    document.getElementById(optionId(active))?.scrollIntoView?.({ block: 'nearest' }); // not in every DOM (jsdom)
  }, [active]);
  const go = (i: number) => {
    const option = options[i];
    if (!option) {
      return;
    }
    if (option.up) {
      goUp();
    } else {
      setCameFrom(null);
      props.open(option.name);
    }
  };
  const goUp = () => {
    if (!location) {
      return;
    }
    const parts = location.split('/').filter(Boolean);
    setCameFrom(parts[parts.length - 1] ?? null);
    props.up();
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    const last = options.length - 1;
    const moves: Record<string, number> = {
      ArrowDown: Math.min(active + 1, last),
      ArrowUp: Math.max(active - 1, 0),
      Home: 0,
      End: last,
      PageDown: Math.min(active + 8, last),
      PageUp: Math.max(active - 8, 0)
    };
    if (event.key in moves) {
      setActive(Math.max(moves[event.key], 0));
    } else if (event.key === 'ArrowRight' || event.key === ' ') {
      go(active);
    } else if (event.key === 'ArrowLeft' || event.key === 'Backspace') {
      goUp();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  const status = props.error
    ? props.error
    : folders === null
      ? trans.__('Listing…')
      : !folders.folders.length
        ? trans.__('No folders here.')
        : folders.more
          ? trans.__('More folders than shown: type the start of a name to narrow the list.')
          : '';
  const keys = trans.__('→ or Space opens a folder, ← goes up, Enter copies.');
  return (
    <div className={CLASS}>
      <div className={`${CLASS}-location`} title={props.shownAs}>
        {props.shownAs}
      </div>
      <ul
        ref={list}
        className={`${CLASS}-options`}
        role="listbox"
        tabIndex={0}
        aria-label={props.label}
        aria-activedescendant={options.length ? optionId(active) : undefined}
        aria-describedby={`${idBase}-keys`}
        onKeyDown={onKeyDown}
      >
        {options.map((option, i) => (
          <li
            key={`${option.up ? '..' : '/'}${option.name}`}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            aria-label={option.up ? trans.__('Parent folder') : option.name}
            className={`${CLASS}-option${i === active ? ' jp-mod-active' : ''}`}
            title={option.up ? trans.__('Up to the parent folder') : trans.__('Open %1', option.name)}
            onMouseDown={event => event.preventDefault()}
            onClick={() => {
              setActive(i);
              list.current?.focus();
              go(i);
            }}
          >
            <folderIcon.react tag="span" className={`${CLASS}-icon`} />
            <span className={`${CLASS}-name`}>{option.up ? '..' : option.name}</span>
          </li>
        ))}
      </ul>
      <div className={`${CLASS}-status${props.error ? ' jp-mod-warning' : ''}`} role="status">
        {status || keys}
      </div>
      <div id={`${idBase}-keys`} hidden>
        {keys}
      </div>
    </div>
  );
}

/** What a target dialog's body is given: where it starts, why the service refused the last try, and where to report changes. */
export interface ITargetBodyProps<T> {
  start: T;
  refused: string | null;
  onChange(value: T): void;
}

/** A dialog body holding a React form, whose value is the last one the form reported. */
class TargetBodyWidget<T> extends ReactWidget implements Dialog.IBodyWidget<T> {
  constructor(
    private readonly _render: (props: ITargetBodyProps<T>) => JSX.Element,
    private readonly _start: T,
    private readonly _refused: string | null
  ) {
    super();
    this._value = _start;
  }

  getValue(): T {
    return this._value;
  }

  render(): JSX.Element {
    return this._render({ start: this._start, refused: this._refused, onChange: value => (this._value = value) });
  }

  private _value: T;
}

/**
 * Asks where to copy until the service takes the copy or the user cancels; resolves to the
 * target taken, or null. `ready` turns what was chosen into the target, or null while it has a
 * problem (Enter with a problem shown asks again, the problem still shown); `submit` answers
 * null when the service took it, else its reason, shown in the dialog asked again.
 */
export async function askTarget<T>(options: {
  title: string;
  accept: string;
  initial: T;
  body(props: ITargetBodyProps<T>): JSX.Element;
  ready(value: T): T | null;
  submit(target: T): Promise<string | null>;
}): Promise<T | null> {
  let start = options.initial;
  let refused: string | null = null;
  for (;;) {
    const result = await showDialog({
      title: options.title,
      body: new TargetBodyWidget(options.body, start, refused),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: options.accept })],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept || result.value === null || result.value === undefined) {
      return null;
    }
    start = result.value;
    refused = null;
    const target = options.ready(start);
    if (target === null) {
      continue;
    }
    refused = await options.submit(target);
    if (refused === null) {
      return target;
    }
  }
}

/** A target dialog's text field, with the line under it saying where the copy goes or what is wrong. */
export function TargetField(props: {
  label: string;
  value: string;
  placeholder?: string;
  /** The line under the field: the problem (an error) or where the copy goes. */
  message: string;
  problem: boolean;
  onChange(value: string): void;
}): JSX.Element {
  const CLASS = 'jp-Atelier-TargetDialog';
  const messageId = `${CLASS}-message`;
  return (
    <>
      <label className={`${CLASS}-field`}>
        <span>{props.label}</span>
        <input
          className="jp-mod-styled"
          value={props.value}
          placeholder={props.placeholder}
          aria-invalid={props.problem ? 'true' : 'false'}
          aria-describedby={messageId}
          onChange={e => props.onChange(e.target.value)}
        />
      </label>
      <div
        id={messageId}
        className={`${CLASS}-message${props.problem ? ' jp-mod-error' : ''}`}
        role={props.problem ? 'alert' : 'status'}
      >
        {props.message}
      </div>
    </>
  );
}
