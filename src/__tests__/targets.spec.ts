import { ServerConnection } from '@jupyterlab/services';
import { dismissDialog } from '@jupyterlab/testutils';
import { nullTranslator } from '@jupyterlab/translation';
import { AtelierClient } from '../api/client';
import { parentFolder } from '../storage/folder-list';
import { askStorageTarget, folderPrefix, IStorageTarget, targetProblem } from '../storage/target-dialog';
import { workspacePathProblem } from '../storage/workspace-target';
import { IRunningService, startService } from './service';

const trans = nullTranslator.load('jupyterlab_atelier');

describe('copy targets', () => {
  it('a storage folder: the top, a folder typed with or without its "/", and what is wrong', () => {
    expect(folderPrefix('')).toBe('');
    expect(folderPrefix('runs')).toBe('runs/');
    expect(folderPrefix('runs/2025/')).toBe('runs/2025/');
    expect(targetProblem('', ['data.csv'], trans)).toBeNull();
    expect(targetProblem('runs/2025', ['data.csv', 'images/'], trans)).toBeNull();
    expect(targetProblem('runs//2025', ['data.csv'], trans)).toBe('A path has no empty part ("//").');
    expect(targetProblem('/runs', ['data.csv'], trans)).toBe('A path does not start with "/".');
    expect(targetProblem('runs/../x', ['data.csv'], trans)).toBe('A path has no "." or ".." part.');
    // The key each name gets is checked too: a key has at most 1024 bytes.
    expect(targetProblem('a'.repeat(1000), ['b'.repeat(30)], trans)).toBe(
      `${'a'.repeat(1000)}/${'b'.repeat(30)}: A path has at most 1024 bytes.`
    );
  });

  it('a workspace path: relative, named, without empty, "." or ".." parts', () => {
    expect(workspacePathProblem('data/x.csv', trans)).toBeNull();
    expect(workspacePathProblem(' x.csv', trans)).toBeNull(); // kept, and said so by the dialog
    expect(workspacePathProblem('', trans)).toBe('Give a workspace path.');
    expect(workspacePathProblem('/etc/x', trans)).toContain('does not start with "/"');
    expect(workspacePathProblem('data/', trans)).toBe('Give the name after the last "/".');
    expect(workspacePathProblem('a//b', trans)).toBe('A path has no empty part ("//").');
    expect(workspacePathProblem('../b', trans)).toBe('A path has no "." or ".." part.');
    expect(workspacePathProblem(`${'x'.repeat(256)}.csv`, trans)).toBe('A name has at most 255 bytes.');
  });

  it('the parent of a folder', () => {
    expect(parentFolder('')).toBe('');
    expect(parentFolder('runs/')).toBe('');
    expect(parentFolder('runs/2025/')).toBe('runs/');
  });
});

describe('the Copy to Object Storage… dialog against a real service', () => {
  let service: IRunningService;
  let client: AtelierClient;

  beforeAll(async () => {
    service = await startService();
    client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) });
  }, 30000);

  afterAll(() => service.stop());

  /** Polls until `probe` answers something truthy (or fails after a few seconds). */
  async function until<T>(probe: () => T, what: string): Promise<NonNullable<T>> {
    for (let i = 0; i < 100; i++) {
      const value = probe();
      if (value) {
        return value as NonNullable<T>;
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    throw new Error(`Timed out waiting for ${what}: ${document.body.textContent}`);
  }

  const message = () => document.querySelector('.jp-Atelier-TargetDialog-message');
  const accept = () => document.querySelector<HTMLButtonElement>('.jp-Dialog-footer .jp-mod-accept')!;
  const folderInput = () => document.querySelector<HTMLInputElement>('.jp-Atelier-TargetDialog input')!;
  const options = () =>
    Array.from(document.querySelectorAll('.jp-Atelier-FolderList-option')).map(o => o.getAttribute('aria-label'));

  function open(submit: (target: IStorageTarget) => Promise<string | null>): Promise<IStorageTarget | null> {
    return askStorageTarget({
      client,
      trans,
      title: 'Copy',
      accept: 'Copy',
      names: ['data.csv'],
      initial: { endpoint: 'local', bucket: '', prefix: '' },
      endpoints: [],
      submit
    });
  }

  it('says what to do when the endpoint has no bucket, and Copy stays off', async () => {
    const asked = open(async () => null);
    await until(() => message()?.textContent?.includes('has no bucket yet'), 'the message');
    const shown = message()!;
    expect(shown.textContent).toContain('Create one with New Bucket in the Object Storage panel');
    expect(shown.classList.contains('jp-mod-error')).toBe(true);
    expect(accept().disabled).toBe(true);
    await dismissDialog();
    expect(await asked).toBeNull();
  });

  it('browses the bucket’s folders, says what is wrong with a folder, and copies into the one chosen', async () => {
    await client.createBucket('local', 'picked');
    for (const key of ['runs/2024/', 'runs/2025/']) {
      await client.createFolder('local', 'picked', key);
    }
    const submitted: IStorageTarget[] = [];
    const asked = open(async target => {
      submitted.push(target);
      return submitted.length === 1 ? 'The bucket is read-only.' : null;
    });
    await until(() => options().includes('runs'), 'the top folders');
    expect(message()?.textContent).toBe('Copies to s3://picked/data.csv');
    (document.querySelector('[aria-label="runs"]') as HTMLElement).click();
    await until(() => options().join() === 'Parent folder,2024,2025', 'the folders of runs/');
    expect(folderInput().value).toBe('runs/');

    // A folder typed with a problem: said in place, the accept button off.
    setValue(folderInput(), 'runs//x');
    await until(() => message()?.classList.contains('jp-mod-error'), 'the problem');
    expect(message()?.textContent).toBe('A path has no empty part ("//").');
    expect(accept().disabled).toBe(true);

    // A folder the service refuses: the dialog comes back with it and the reason.
    setValue(folderInput(), 'runs/2026');
    await until(() => !accept().disabled, 'Copy on');
    expect(message()?.textContent).toBe('Copies to s3://picked/runs/2026/data.csv');
    accept().click();
    await until(() => message()?.textContent === 'The bucket is read-only.', 'the reason');
    expect(folderInput().value).toBe('runs/2026');
    expect(submitted[0]).toEqual({ endpoint: 'local', bucket: 'picked', prefix: 'runs/2026/' });
    setValue(folderInput(), 'runs/2025/');
    await until(() => !accept().disabled, 'Copy on');
    accept().click();
    expect(await asked).toEqual({ endpoint: 'local', bucket: 'picked', prefix: 'runs/2025/' });
  });
});

/** Sets an input's value as typing does (React listens to the native input event). */
function setValue(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
  setter.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
