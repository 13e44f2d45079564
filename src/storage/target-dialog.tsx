/**
 * Where a copy to object storage goes, asked in one dialog: the endpoint and the bucket as
 * selects, the folder as a field with the bucket's folders listed under it to browse. It opens
 * on what the storage panel shows, says what is wrong with the target as it is typed (the
 * accept button off meanwhile, through JupyterLab's jp-mod-error and :invalid checks), says
 * what to do when there is no endpoint or no bucket, and comes back with what was chosen and
 * the service's reason when the service refuses the copy.
 */
import * as React from 'react';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IBucket, IEndpoint } from '../api/client';
import type { IAtelierClient } from '../tokens';
import {
  askTarget,
  FolderList,
  TargetField,
  IFolders,
  ITargetBodyProps,
  parentFolder,
  useFolders
} from './folder-list';
import { LocationFields } from './location-fields';
import { keyProblem } from './names';

/** A place in object storage: an endpoint, a bucket and a folder ('' or ending with '/'). */
export interface IStorageTarget {
  endpoint: string;
  bucket: string;
  prefix: string;
}

export interface IStorageTargetOptions {
  client: IAtelierClient;
  trans: TranslationBundle;
  title: string;
  /** The accept button's label. */
  accept: string;
  /** The names that will be written in the folder (a folder's ending with '/'). */
  names: string[];
  /** Where the dialog opens: what the storage panel shows. */
  initial: IStorageTarget;
  /** The endpoints when already known (the panel's); asked of the service when null or empty. */
  endpoints: IEndpoint[] | null;
  /** Copies there; resolves to the service's reason when it refuses, else null. */
  submit(target: IStorageTarget): Promise<string | null>;
}

const CLASS = 'jp-Atelier-TargetDialog';

/** The folder as a prefix: '' at the top, else ending with '/'. */
export function folderPrefix(folder: string): string {
  return !folder || folder.endsWith('/') ? folder : `${folder}/`;
}

/** What is wrong with a target folder and the keys it gives the names, or null. */
export function targetProblem(folder: string, names: string[], trans: TranslationBundle): string | null {
  const prefix = folderPrefix(folder);
  if (prefix) {
    const problem = keyProblem(prefix, trans);
    if (problem) {
      return problem;
    }
  }
  for (const name of names) {
    const problem = keyProblem(prefix + name, trans);
    if (problem) {
      return trans.__('%1: %2', prefix + name, problem);
    }
  }
  return null;
}

/** What the dialog knows across its openings: the endpoints and each endpoint's buckets. */
interface ICache {
  endpoints: IEndpoint[] | null;
  buckets: Map<string, IBucket[] | Error>;
}

interface IBodyProps extends ITargetBodyProps<IStorageTarget> {
  options: IStorageTargetOptions;
  cache: ICache;
}

function TargetBody(props: IBodyProps): JSX.Element {
  const { options, cache } = props;
  const { client, trans } = options;
  const [endpoints, setEndpoints] = React.useState<IEndpoint[] | null>(cache.endpoints);
  const [endpointError, setEndpointError] = React.useState<string | null>(null);
  const [endpoint, setEndpoint] = React.useState(props.start.endpoint);
  const [buckets, setBuckets] = React.useState<IBucket[] | Error | null>(cache.buckets.get(endpoint) ?? null);
  const [bucket, setBucket] = React.useState(props.start.bucket);
  const [folder, setFolder] = React.useState(props.start.prefix);
  const [refused, setRefused] = React.useState(props.refused);
  const root = React.useRef<HTMLDivElement>(null);

  React.useEffect(() => {
    if (endpoints !== null) {
      return;
    }
    client.endpoints().then(
      found => {
        cache.endpoints = found;
        setEndpoints(found);
        if (!found.some(e => e.id === endpoint) && found.length) {
          setEndpoint(found[0].id);
        }
      },
      e => setEndpointError((e as Error).message)
    );
  }, []);

  React.useEffect(() => {
    // The bucket stays when the endpoint has it (the panel's, at first); else its first one.
    const show = (found: IBucket[]) => {
      setBuckets(found);
      setBucket(b => (found.some(f => f.name === b) ? b : (found[0]?.name ?? '')));
    };
    const known = cache.buckets.get(endpoint);
    if (known instanceof Error) {
      setBuckets(known);
    } else if (known) {
      show(known);
    } else {
      setBuckets(null);
    }
    if (known || !endpoint) {
      return;
    }
    let current = true;
    client.buckets(endpoint).then(
      found => {
        cache.buckets.set(endpoint, found);
        if (current) {
          show(found);
        }
      },
      e => {
        const error = new Error((e as Error).message);
        cache.buckets.set(endpoint, error);
        if (current) {
          setBuckets(error);
        }
      }
    );
    return () => {
      current = false;
    };
  }, [endpoint]);

  const location = folder.slice(0, folder.lastIndexOf('/') + 1);
  const partial = folder.slice(location.length);
  const listable = !!endpoint && !!bucket && (!location || !keyProblem(location, trans));
  const listing = useFolders(listable ? `${endpoint}\n${bucket}\n${folder}` : null, async (): Promise<IFolders> => {
    const page = await client.list(endpoint, bucket, { prefix: folder, limit: 500 });
    return {
      folders: page.prefixes.map(p => p.slice(location.length, -1)),
      more: page.nextToken !== undefined
    };
  });

  const endpointInfo = endpoints?.find(e => e.id === endpoint);
  const prefix = folderPrefix(folder);
  const uri = (key: string) => `${endpointInfo?.scheme ?? 's3'}://${bucket}/${key}`;

  // What is wrong, most basic first; else where the copy goes.
  let problem: string | null = null;
  if (endpointError) {
    problem = trans.__('Cannot list the storage endpoints: %1', endpointError);
  } else if (endpoints && !endpoints.length) {
    problem = trans.__(
      'No object storage endpoint is configured. Add one under storage.endpoints in Atelier’s configuration file and restart Atelier.'
    );
  } else if (buckets instanceof Error) {
    problem = trans.__('Cannot list the buckets of %1: %2', endpointInfo?.name ?? endpoint, buckets.message);
  } else if (buckets && !buckets.length) {
    problem = trans.__(
      '%1 has no bucket yet. Create one with New Bucket in the Object Storage panel, then copy again.',
      endpointInfo?.name ?? endpoint
    );
  } else if (buckets) {
    problem = refused ?? targetProblem(folder, options.names, trans);
  }
  const spaced = prefix.split('/').some(part => part !== part.trim());
  const message =
    problem ??
    (!buckets || !endpoints
      ? trans.__('Listing…')
      : spaced
        ? trans.__('A folder name starts or ends with a space, which is kept.')
        : options.names.length === 1
          ? trans.__('Copies to %1', uri(prefix + options.names[0]))
          : trans._n('Copies %1 item into %2', 'Copies %1 items into %2', options.names.length, uri(prefix)));

  React.useEffect(() => {
    props.onChange({ endpoint, bucket, prefix: folder });
    // The dialog checks its jp-mod-error and :invalid elements on an input event: send one
    // once what is shown is up to date.
    root.current?.dispatchEvent(new Event('input', { bubbles: true }));
  });

  return (
    <div ref={root} className={CLASS}>
      <LocationFields
        trans={trans}
        fieldClass={`${CLASS}-field`}
        required
        endpoints={endpoints}
        endpoint={endpoint}
        onEndpoint={id => {
          setEndpoint(id);
          setFolder('');
          setRefused(null);
        }}
        buckets={buckets instanceof Error ? [] : buckets}
        bucket={bucket}
        onBucket={name => {
          setBucket(name);
          setFolder('');
          setRefused(null);
        }}
      />
      <TargetField
        label={trans.__('Folder')}
        value={folder}
        placeholder={trans.__('empty: the top of the bucket')}
        message={message}
        problem={!!problem}
        onChange={value => {
          setFolder(value);
          setRefused(null);
        }}
      />
      <FolderList
        trans={trans}
        label={trans.__('Folders in %1', uri(location))}
        location={location}
        shownAs={uri(location) + (partial ? `${partial}…` : '')}
        folders={listable ? listing.folders : { folders: [], more: false }}
        error={listing.error}
        open={name => {
          setFolder(location + name + '/');
          setRefused(null);
        }}
        up={() => {
          setFolder(parentFolder(location));
          setRefused(null);
        }}
      />
    </div>
  );
}

/**
 * Asks where to copy until the service takes the copy or the user cancels; resolves to the
 * target (its prefix '' or ending with '/'), or null.
 */
export function askStorageTarget(options: IStorageTargetOptions): Promise<IStorageTarget | null> {
  const cache: ICache = { endpoints: options.endpoints?.length ? options.endpoints : null, buckets: new Map() };
  return askTarget<IStorageTarget>({
    title: options.title,
    accept: options.accept,
    initial: options.initial,
    body: props => <TargetBody {...props} options={options} cache={cache} />,
    ready: chosen => {
      const buckets = cache.buckets.get(chosen.endpoint);
      const known = Array.isArray(buckets) && buckets.some(b => b.name === chosen.bucket);
      return !known || targetProblem(chosen.prefix, options.names, options.trans)
        ? null
        : { ...chosen, prefix: folderPrefix(chosen.prefix) };
    },
    submit: options.submit
  });
}
