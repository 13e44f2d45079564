import { etagIsMd5, infoFrom } from '../../src/platform/s3/metadata';

const MD5 = '9e107d9d372bb6826bd81d3542a419d6';

describe('which ETags are MD5s', () => {
  it('takes the ETag of an object stored in one piece, plain or with SSE-S3, for its MD5', () => {
    expect(etagIsMd5(MD5, {})).toBe(true);
    expect(etagIsMd5(MD5, { 'x-amz-server-side-encryption': 'AES256' })).toBe(true);
    expect(infoFrom('k', { etag: `"${MD5}"`, 'content-length': '3' })).toMatchObject({ etag: MD5, md5: MD5 });
  });

  it('does not take a multipart ETag, or the ETag of an SSE-KMS or SSE-C object, for one', () => {
    expect(etagIsMd5(`${MD5}-3`, {})).toBe(false);
    expect(etagIsMd5(MD5, { 'x-amz-server-side-encryption': 'aws:kms' })).toBe(false);
    expect(etagIsMd5(MD5, { 'x-amz-server-side-encryption': 'aws:kms:dsse' })).toBe(false);
    expect(etagIsMd5(MD5, { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' })).toBe(false);
    expect(etagIsMd5('', {})).toBe(false);
    const info = infoFrom('k', { etag: `"${MD5}-3"`, 'content-length': '3' });
    expect(info.etag).toBe(`${MD5}-3`);
    expect(info.md5).toBeUndefined();
  });
});
