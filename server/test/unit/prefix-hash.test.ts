import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PrefixHash } from '../../src/prefix-hash';

const MIB = 1024 * 1024;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-prefix-hash-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The pieces of `size` bytes cut at `cut`, as [start, length]. */
function pieces(size: number, cut: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < size; start += cut) {
    out.push([start, Math.min(cut, size - start)]);
  }
  return out;
}

describe('PrefixHash', () => {
  it('hashes ranges written out of order in order, reading only the written prefix', async () => {
    const content = crypto.randomBytes(5 * MIB + 123);
    const file = path.join(dir, 'out-of-order.bin');
    const handle = await fs.promises.open(file, 'w+');
    const errors: unknown[] = [];
    const hash = new PrefixHash(handle, content.length, {
      signal: new AbortController().signal,
      onError: e => errors.push(e)
    });
    // Written back to front: nothing can be hashed until the first range lands.
    const ranges = pieces(content.length, 700 * 1024).reverse();
    for (const [start, length] of ranges.slice(0, -1)) {
      await handle.write(content, start, length, start);
      hash.landed(start, length);
    }
    await hash.settled();
    expect(hash.hashed).toBe(0);
    const [start, length] = ranges[ranges.length - 1];
    await handle.write(content, start, length, start);
    hash.landed(start, length);
    expect(await hash.digest()).toBe(crypto.createHash('md5').update(content).digest('hex'));
    expect(hash.hashed).toBe(content.length);
    expect(errors).toEqual([]);
    await handle.close();
  });

  it('grows the prefix through gaps filled in any order', async () => {
    const content = crypto.randomBytes(3 * MIB + 1);
    const file = path.join(dir, 'gaps.bin');
    await fs.promises.writeFile(file, content);
    const handle = await fs.promises.open(file, 'r');
    const hash = new PrefixHash(handle, content.length, {
      signal: new AbortController().signal,
      onError: () => undefined
    });
    const ranges = pieces(content.length, 256 * 1024);
    // 0, 2, 4, … then 1, 3, 5, …: each odd range joins two runs.
    const order = [...ranges.filter((_, i) => i % 2 === 0), ...ranges.filter((_, i) => i % 2 === 1)];
    for (const [start, length] of order) {
      hash.landed(start, length);
      await new Promise(resolve => setImmediate(resolve));
    }
    expect(await hash.digest()).toBe(crypto.createHash('md5').update(content).digest('hex'));
    await handle.close();
  });

  it('does not give a digest of part of the file', async () => {
    const file = path.join(dir, 'part.bin');
    await fs.promises.writeFile(file, crypto.randomBytes(2 * MIB));
    const handle = await fs.promises.open(file, 'r');
    const hash = new PrefixHash(handle, 2 * MIB, { signal: new AbortController().signal, onError: () => undefined });
    hash.landed(MIB, MIB);
    await expect(hash.digest()).rejects.toMatchObject({ code: 'incomplete' });
    await handle.close();
  });

  it('stops reading once stopped, with the stopped error', async () => {
    const file = path.join(dir, 'stopped.bin');
    await fs.promises.writeFile(file, crypto.randomBytes(8 * MIB));
    const handle = await fs.promises.open(file, 'r');
    const stop = new AbortController();
    const errors: unknown[] = [];
    const hash = new PrefixHash(handle, 8 * MIB, { signal: stop.signal, onError: e => errors.push(e) });
    hash.landed(0, 8 * MIB);
    stop.abort();
    await expect(hash.digest()).rejects.toMatchObject({ kind: 'stopped', code: 'stopped' });
    expect(hash.hashed).toBeLessThan(8 * MIB);
    expect(errors).toHaveLength(1);
    await handle.close();
  });

  it('fails, once, when the file holds fewer bytes than reported', async () => {
    const file = path.join(dir, 'short.bin');
    await fs.promises.writeFile(file, crypto.randomBytes(MIB));
    const handle = await fs.promises.open(file, 'r');
    const errors: unknown[] = [];
    const hash = new PrefixHash(handle, 2 * MIB, {
      signal: new AbortController().signal,
      onError: e => errors.push(e)
    });
    hash.landed(0, 2 * MIB);
    await expect(hash.digest()).rejects.toMatchObject({ code: 'changed' });
    expect(errors).toHaveLength(1);
    await handle.close();
  });

  it('reports a file it cannot read', async () => {
    const file = path.join(dir, 'write-only.bin');
    const handle = await fs.promises.open(file, 'w');
    await handle.write(Buffer.alloc(MIB, 1), 0, MIB, 0);
    const errors: unknown[] = [];
    const hash = new PrefixHash(handle, MIB, { signal: new AbortController().signal, onError: e => errors.push(e) });
    hash.landed(0, MIB);
    await expect(hash.digest()).rejects.toMatchObject({ code: 'EBADF' });
    expect(errors).toHaveLength(1);
    await handle.close();
  });
});
