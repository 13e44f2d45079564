/**
 * Where a copy to the workspace goes, asked in one dialog: the workspace path as a field, the
 * workspace's folders listed under it to browse (going into a folder keeps the name). What is
 * wrong with the path is said as it is typed, the accept button off meanwhile (JupyterLab's
 * jp-mod-error check); a path the service refuses comes back with its reason.
 */
import * as React from 'react';
import { PathExt } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  askTarget,
  FolderList,
  TargetField,
  IFolders,
  ITargetBodyProps,
  parentFolder,
  useFolders
} from './folder-list';

export interface IWorkspaceTargetOptions {
  contents: Contents.IManager;
  trans: TranslationBundle;
  title: string;
  /** The accept button's label. */
  accept: string;
  /** The path the dialog opens with. */
  initial: string;
  /** Copies there; resolves to the service's reason when it refuses, else null. */
  submit(path: string): Promise<string | null>;
}

const CLASS = 'jp-Atelier-TargetDialog';

/** What is wrong with a workspace path to write, or null. */
export function workspacePathProblem(path: string, trans: TranslationBundle): string | null {
  if (!path.trim()) {
    return trans.__('Give a workspace path.');
  }
  if (path.startsWith('/')) {
    return trans.__('A workspace path is relative to the workspace: it does not start with "/".');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    return trans.__('A path has no control characters.');
  }
  const parts = path.split('/');
  if (!parts[parts.length - 1]) {
    return trans.__('Give the name after the last "/".');
  }
  if (parts.includes('')) {
    return trans.__('A path has no empty part ("//").');
  }
  if (parts.some(part => part === '.' || part === '..')) {
    return trans.__('A path has no "." or ".." part.');
  }
  if (parts.some(part => new TextEncoder().encode(part).length > 255)) {
    return trans.__('A name has at most 255 bytes.');
  }
  return null;
}

interface IBodyProps extends ITargetBodyProps<string> {
  options: IWorkspaceTargetOptions;
}

function WorkspaceTargetBody(props: IBodyProps): JSX.Element {
  const { options } = props;
  const { trans, contents } = options;
  const [path, setPath] = React.useState(props.start);
  const [refused, setRefused] = React.useState(props.refused);
  const root = React.useRef<HTMLDivElement>(null);
  const location = path.slice(0, path.lastIndexOf('/') + 1);
  const name = path.slice(location.length);
  const listable = !location || !workspacePathProblem(location.slice(0, -1), trans);
  const listing = useFolders(listable ? location : null, async (): Promise<IFolders> => {
    try {
      const model = await contents.get(location, { content: true, type: 'directory' });
      const folders = (model.content as Contents.IModel[])
        .filter(item => item.type === 'directory' && !item.name.startsWith('.'))
        .map(item => item.name)
        .sort((a, b) => a.localeCompare(b));
      return { folders, more: false };
    } catch {
      return { folders: [], more: false }; // a folder still to be made: the copy makes it
    }
  });
  const problem = refused ?? workspacePathProblem(path, trans);
  const message =
    problem ??
    (path !== path.trim()
      ? trans.__('The path starts or ends with a space, which is kept.')
      : trans.__('Copies to %1 in the workspace', path));

  React.useEffect(() => {
    props.onChange(path);
    root.current?.dispatchEvent(new Event('input', { bubbles: true }));
  });

  return (
    <div ref={root} className={CLASS}>
      <TargetField
        label={trans.__('Workspace path')}
        value={path}
        message={message}
        problem={!!problem}
        onChange={value => {
          setPath(value);
          setRefused(null);
        }}
      />
      <FolderList
        trans={trans}
        label={trans.__('Folders in %1', `/${location}`)}
        location={location}
        shownAs={`/${location}`}
        folders={listing.folders}
        error={listing.error}
        open={folder => {
          setPath(PathExt.join(location, folder, name || ''));
          setRefused(null);
        }}
        up={() => {
          setPath(parentFolder(location) + name);
          setRefused(null);
        }}
      />
    </div>
  );
}

/** Asks for a workspace path until the service takes the copy or the user cancels; resolves to it, or null. */
export function askWorkspaceTarget(options: IWorkspaceTargetOptions): Promise<string | null> {
  return askTarget<string>({
    title: options.title,
    accept: options.accept,
    initial: options.initial,
    body: props => <WorkspaceTargetBody {...props} options={options} />,
    ready: path => (workspacePathProblem(path, options.trans) ? null : path),
    submit: options.submit
  });
}
