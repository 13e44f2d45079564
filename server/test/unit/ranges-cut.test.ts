import { cut } from '../../src/ranges';

describe('cut', () => {
  it('cuts an object into ranges of one size, the last one shorter', () => {
    expect(cut(10, 4)).toEqual([
      [0, 4],
      [4, 4],
      [8, 2]
    ]);
    expect(cut(8, 4)).toEqual([
      [0, 4],
      [4, 4]
    ]);
    expect(cut(0, 4)).toEqual([[0, 0]]);
  });

  it('staggers the first ranges, so that ranges started together do not end together', () => {
    const ranges = cut(100, 16, 4);
    expect(ranges.map(([, length]) => length)).toEqual([4, 8, 12, 16, 16, 16, 16, 12]);
    // They cover the object exactly, in order.
    ranges.forEach(([start, length], i) => {
      expect(start).toBe(i === 0 ? 0 : ranges[i - 1][0] + ranges[i - 1][1]);
      expect(length).toBeGreaterThan(0);
    });
    expect(ranges[ranges.length - 1][0] + ranges[ranges.length - 1][1]).toBe(100);
    expect(cut(5, 16, 8)).toEqual([
      [0, 2],
      [2, 3]
    ]);
  });
});
