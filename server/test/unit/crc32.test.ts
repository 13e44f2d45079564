import * as crypto from 'crypto';
import * as zlib from 'zlib';
import { crc32, crc32Combine, crc32FromBase64, crc32ToBase64 } from '../../src/crc32';

describe('crc32', () => {
  it("is the standard CRC-32 (check value of '123456789') in S3's text form", () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32ToBase64(0xcbf43926)).toBe('y/Q5Jg==');
    expect(crc32FromBase64('y/Q5Jg==')).toBe(0xcbf43926);
    // Composite (per-part) checksums and other text are not a whole-object CRC-32.
    expect(crc32FromBase64('y/Q5Jg==-3')).toBeUndefined();
    expect(crc32FromBase64('not a crc')).toBeUndefined();
    expect(crc32FromBase64(undefined)).toBeUndefined();
  });

  it('combines the CRCs of pieces into the CRC of the whole, for any cut', () => {
    for (let trial = 0; trial < 300; trial++) {
      const data = crypto.randomBytes(Math.floor(Math.random() * 3000));
      const cut = Math.floor(Math.random() * (data.length + 1));
      const combined = crc32Combine(crc32(data.subarray(0, cut)), crc32(data.subarray(cut)), data.length - cut);
      expect(combined).toBe(zlib.crc32(data));
    }
  });

  it('combines many ranges, as a ranged download does, with lengths past 4 GiB', () => {
    const data = crypto.randomBytes(1 << 20);
    const size = 64 * 1024;
    let whole = 0;
    for (let start = 0; start < data.length; start += size) {
      const piece = data.subarray(start, start + size);
      whole = crc32Combine(whole, crc32(piece), piece.length);
    }
    expect(whole).toBe(zlib.crc32(data));
    // Lengths past 32 bits (objects over 4 GiB): shifting by 2^32 bytes twice is shifting by 2^33.
    const a = crc32(Buffer.from('a'));
    expect(crc32Combine(a, 0, 0)).toBe(a);
    expect(crc32Combine(a, 0, 2 ** 32)).not.toBe(a);
    expect(crc32Combine(crc32Combine(a, 0, 2 ** 32), 0, 2 ** 32)).toBe(crc32Combine(a, 0, 2 ** 33));
  });
});
