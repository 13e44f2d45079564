/**
 * The rules for bucket names and object keys, written once: the service refuses what breaks
 * them, and the extension's dialogs say so while the name is typed. Each rule answers with a
 * problem code; each side words it (the service in its error message, the extension through
 * its translator). No schema library here: the browser imports this file on its own.
 */

/** Why a bucket name is refused. */
export type BucketNameProblem = 'empty' | 'pattern';

/** Why an object key (a path in a bucket; a trailing "/" marks a folder) is refused. */
export type KeyProblem = 'empty' | 'too_long' | 'control' | 'leading_slash' | 'empty_segment' | 'dot_segment';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** S3's naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end, not an IP address. */
export function bucketNameProblem(name: string): BucketNameProblem | null {
  if (!name) {
    return 'empty';
  }
  if (!BUCKET.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    return 'pattern';
  }
  return null;
}

/**
 * Keys: 1 to 1024 bytes of UTF-8, no control characters, no leading "/", no empty, "." or
 * ".." segment (a trailing "/" marks a folder). Spaces, unicode, "+", "%", "#", "?" are fine.
 */
export function keyProblem(key: string): KeyProblem | null {
  if (key.length === 0) {
    return 'empty';
  }
  if (utf8Length(key) > 1024) {
    return 'too_long';
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    return 'control';
  }
  if (key.startsWith('/')) {
    return 'leading_slash';
  }
  const segments = key.split('/');
  const last = segments.length - 1;
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] === '' && i !== last) {
      return 'empty_segment';
    }
    if (segments[i] === '.' || segments[i] === '..') {
      return 'dot_segment';
    }
  }
  return null;
}

/** The length of `text` in UTF-8, in bytes (a lone surrogate counts as the 3 bytes of U+FFFD). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
