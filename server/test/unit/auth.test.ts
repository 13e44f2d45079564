import * as http from 'http';
import { checkXsrf, credentialsOf, decodeXsrf, timingSafeEqualString } from '../../src/auth';
import { ApiError } from '../../src/errors';

function request(method: string, url: string, headers: http.IncomingHttpHeaders): http.IncomingMessage {
  return { method, url, headers } as http.IncomingMessage;
}

/** Tornado's version-2 XSRF cookie for a token, with a given 4-byte mask. */
function tornadoCookie(token: Buffer, mask: Buffer): string {
  const masked = Buffer.from(token.map((b, i) => b ^ mask[i % 4]));
  return `2|${mask.toString('hex')}|${masked.toString('hex')}|1700000000`;
}

describe('credentialsOf', () => {
  it('takes the token from the header first, then the query, then the cookie', () => {
    expect(credentialsOf(request('GET', '/api?token=q', { authorization: 'token h', cookie: 'c=1' }))).toEqual({
      kind: 'token',
      token: 'h'
    });
    expect(credentialsOf(request('GET', '/api?token=q', { authorization: 'Bearer b' }))).toEqual({
      kind: 'token',
      token: 'b'
    });
    expect(credentialsOf(request('GET', '/api?token=q', { cookie: 'c=1' }))).toEqual({ kind: 'token', token: 'q' });
    expect(credentialsOf(request('GET', '/api', { cookie: 'c=1' }))).toEqual({ kind: 'cookie', cookie: 'c=1' });
    expect(credentialsOf(request('GET', '/api', {}))).toEqual({ kind: 'none' });
  });
});

describe('XSRF as Tornado checks it', () => {
  const token = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

  it('decodes version-2 cookies whatever their mask', () => {
    const a = tornadoCookie(token, Buffer.from([1, 2, 3, 4]));
    const b = tornadoCookie(token, Buffer.from([9, 8, 7, 6]));
    expect(a).not.toBe(b);
    expect(decodeXsrf(a)).toEqual(token);
    expect(decodeXsrf(b)).toEqual(token);
    expect(decodeXsrf('3|aa|bb|1')).toBeNull();
    expect(decodeXsrf('2|zz|bb|1')).toBeNull();
  });

  it('lets safe methods through and requires a matching header for the others', () => {
    const cookie = `_xsrf=${tornadoCookie(token, Buffer.from([1, 2, 3, 4]))}; other=1`;
    expect(() => checkXsrf(request('GET', '/x', { cookie }))).not.toThrow();
    expect(() => checkXsrf(request('POST', '/x', { cookie }))).toThrow(ApiError);
    // The same token under another mask matches, as in Tornado.
    const header = tornadoCookie(token, Buffer.from([5, 5, 5, 5]));
    expect(() => checkXsrf(request('POST', '/x', { cookie, 'x-xsrftoken': header }))).not.toThrow();
    expect(() => checkXsrf(request('DELETE', `/x?_xsrf=${encodeURIComponent(header)}`, { cookie }))).not.toThrow();
    const other = tornadoCookie(Buffer.alloc(16, 7), Buffer.from([1, 2, 3, 4]));
    let error: ApiError | undefined;
    try {
      checkXsrf(request('PUT', '/x', { cookie, 'x-xsrftoken': other }));
    } catch (e) {
      error = e as ApiError;
    }
    expect(error?.statusCode).toBe(403);
    expect(error?.code).toBe('xsrf_mismatch');
  });
});

describe('timingSafeEqualString', () => {
  it('compares strings of any length', () => {
    expect(timingSafeEqualString('abc', 'abc')).toBe(true);
    expect(timingSafeEqualString('abc', 'abd')).toBe(false);
    expect(timingSafeEqualString('abc', 'abcd')).toBe(false);
  });
});
