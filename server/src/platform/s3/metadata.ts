/**
 * An object's size, date, ETag and CRC-32 as S3 headers say them, and where Atelier keeps the
 * CRC-32 of what it uploads.
 */
import type * as http from 'http';
import type { IObjectInfo } from '@atelier/api';
import { crc32FromBase64, crc32ToBase64 } from '../../crc32';

/** Where Atelier keeps the CRC-32 of what it uploads (user metadata, as rclone keeps an MD5). */
export const CRC32_META = 'x-amz-meta-atelier-crc32';

/** An S3 ETag without quotes. */
export function bareEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/"/g, '');
}

/**
 * Size, date, ETag and whole-object CRC-32 from the headers of a GET or HEAD answer. The CRC
 * is the server's own full-object checksum (S3 flexible checksums) where it has one, else the
 * one Atelier stored when it uploaded the object. Composite checksums ("…-N", per part) are
 * not a whole-object CRC and are left out.
 */
export function infoFrom(key: string, headers: http.IncomingHttpHeaders): IObjectInfo {
  const modified = headers['last-modified'] ? new Date(headers['last-modified']) : new Date(0);
  const checksum =
    crc32FromBase64(headers['x-amz-checksum-crc32'] as string | undefined) ??
    crc32FromBase64(headers[CRC32_META] as string | undefined);
  const etag = bareEtag(headers.etag as string | undefined);
  return {
    key,
    size: Number(headers['content-length'] ?? 0),
    lastModified: (isNaN(modified.getTime()) ? new Date(0) : modified).toISOString(),
    etag,
    ...(checksum === undefined ? {} : { crc32: crc32ToBase64(checksum) }),
    ...(etagIsMd5(etag, headers) ? { md5: etag } : {})
  };
}

/**
 * Whether an ETag is its object's MD5: S3 computes it so for an object stored in one piece
 * (PutObject, or a copy of one) unless it is encrypted with SSE-KMS or SSE-C; a multipart
 * upload's ETag is the MD5 of its parts' MD5s followed by "-N", the number of parts.
 */
export function etagIsMd5(etag: string, headers: http.IncomingHttpHeaders): boolean {
  const sse = String(headers['x-amz-server-side-encryption'] ?? '');
  return (
    /^[0-9a-f]{32}$/.test(etag) &&
    !sse.startsWith('aws:kms') &&
    headers['x-amz-server-side-encryption-customer-algorithm'] === undefined
  );
}
