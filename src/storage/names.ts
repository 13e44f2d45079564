/**
 * What a dialog says while a bucket name or an object's path is typed: the rules are the API
 * contract's (the service applies the same), worded here through the translator.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { bucketNameProblem, keyProblem as keyRule } from '@atelier/api/lib/names';

/** What is wrong with a bucket name, or null (S3's rules). */
export function bucketProblem(name: string, trans: TranslationBundle): string | null {
  switch (bucketNameProblem(name)) {
    case 'empty':
      return trans.__('Give the bucket a name.');
    case 'pattern':
      return trans.__(
        'Use 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit.'
      );
    default:
      return null;
  }
}

/** What is wrong with an object's or a folder's path in a bucket, or null. */
export function keyProblem(key: string, trans: TranslationBundle): string | null {
  if (key === '/') {
    return trans.__('Give it a name.');
  }
  switch (keyRule(key)) {
    case 'empty':
      return trans.__('Give it a name.');
    case 'too_long':
      return trans.__('A path has at most 1024 bytes.');
    case 'control':
      return trans.__('A path has no control characters.');
    case 'leading_slash':
      return trans.__('A path does not start with "/".');
    case 'empty_segment':
      return trans.__('A path has no empty part ("//").');
    case 'dot_segment':
      return trans.__('A path has no "." or ".." part.');
    default:
      return null;
  }
}
