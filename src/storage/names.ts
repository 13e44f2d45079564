/**
 * The rules for bucket names and object keys, as the service applies them, so that a dialog
 * can say what is wrong while the name is typed. The service checks again; these only spare a
 * round trip.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** What is wrong with a bucket name, or null (S3's rules). */
export function bucketProblem(name: string, trans: TranslationBundle): string | null {
  if (!name) {
    return trans.__('Give the bucket a name.');
  }
  if (!BUCKET.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    return trans.__(
      'Use 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit.'
    );
  }
  return null;
}

/** What is wrong with an object's or a folder's path in a bucket, or null. */
export function keyProblem(key: string, trans: TranslationBundle): string | null {
  if (!key || key === '/') {
    return trans.__('Give it a name.');
  }
  if (new TextEncoder().encode(key).length > 1024) {
    return trans.__('A path has at most 1024 bytes.');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    return trans.__('A path has no control characters.');
  }
  if (key.startsWith('/')) {
    return trans.__('A path does not start with "/".');
  }
  const segments = key.split('/');
  if (segments.slice(0, -1).includes('')) {
    return trans.__('A path has no empty part ("//").');
  }
  if (segments.some(segment => segment === '.' || segment === '..')) {
    return trans.__('A path has no "." or ".." part.');
  }
  return null;
}
