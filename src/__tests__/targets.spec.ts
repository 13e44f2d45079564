import { nullTranslator } from '@jupyterlab/translation';
import { parentFolder } from '../storage/folder-list';
import { folderPrefix, targetProblem } from '../storage/target-dialog';
import { workspacePathProblem } from '../storage/workspace-target';

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
