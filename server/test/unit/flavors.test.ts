import { defaultCatalog, LocalFlavors, resourcesOf } from '../../src/platform/local/flavors';

describe('local flavors', () => {
  const machine = { cpus: 2, memoryMiB: 24105, gpus: 0 };

  it('generates a small, a half and a whole-machine flavor from the machine', () => {
    const catalog = defaultCatalog(machine);
    expect(catalog.map(f => [f.id, f.cpus, f.memoryMiB])).toEqual([
      ['small', 1, 4096],
      ['half', 1, 11264],
      ['whole', 2, 24105]
    ]);
    // On a one-core machine with little memory the three collapse into distinct sizes only.
    const tiny = defaultCatalog({ cpus: 1, memoryMiB: 2048, gpus: 0 });
    expect(tiny.map(f => [f.id, f.cpus, f.memoryMiB])).toEqual([
      ['small', 1, 512],
      ['half', 1, 1024],
      ['whole', 1, 2048]
    ]);
    const big = defaultCatalog({ cpus: 16, memoryMiB: 65536, gpus: 0 });
    expect(big.map(f => [f.id, f.cpus, f.memoryMiB])).toEqual([
      ['small', 1, 4096],
      ['half', 8, 32768],
      ['whole', 16, 65536]
    ]);
  });

  it('adds GPU flavors only where GPUs are visible, and hides GPUs from flavors without them', () => {
    expect(defaultCatalog(machine).some(f => f.gpus)).toBe(false);
    const withGpus = defaultCatalog({ cpus: 8, memoryMiB: 65536, gpus: 2 });
    expect(withGpus.map(f => [f.id, f.cpus, f.gpus ?? 0])).toEqual([
      ['small', 1, 0],
      ['half', 4, 0],
      ['gpu', 4, 1],
      ['whole', 8, 2]
    ]);
    const gpuMachine = { cpus: 8, memoryMiB: 65536, gpus: 2 };
    const small = { id: 'small', name: 'Small', cpus: 1, memoryMiB: 4096, gpus: 0, selectable: true };
    expect(resourcesOf(small, gpuMachine).env).toMatchObject({
      CUDA_VISIBLE_DEVICES: '',
      NVIDIA_VISIBLE_DEVICES: 'none',
      ATELIER_FLAVOR: 'small'
    });
    expect(resourcesOf({ ...small, id: 'gpu', gpus: 1 }, gpuMachine).env.CUDA_VISIBLE_DEVICES).toBe('0');
    expect(resourcesOf(small, machine).env.CUDA_VISIBLE_DEVICES).toBeUndefined();
    expect(resourcesOf(small, machine).cpus).toHaveLength(1);
    expect(resourcesOf(small, machine).memoryBytes).toBe(4096 * 1024 * 1024);
  });

  it('marks catalog entries that do not fit the machine, with the reason', async () => {
    const flavors = new LocalFlavors({
      machine,
      catalog: [
        { id: 'cpu-2', cpus: 2, memoryMiB: 2048 },
        { id: 'cpu-64', name: 'Huge', cpus: 64, memoryMiB: 2048 },
        { id: 'gpu-1', cpus: 1, memoryMiB: 1024, gpus: 1, gpuType: 'T4' }
      ]
    });
    const list = await flavors.list();
    expect(list.map(f => f.selectable)).toEqual([true, false, false]);
    expect(list[1].reason).toMatch(/needs 64 CPUs, this machine has 2/);
    expect(list[2].reason).toMatch(/needs 1 GPUs/);
    expect(list[2].gpuType).toBe('T4');
    // Without a default, the largest flavor that fits is current.
    expect((await flavors.current()).id).toBe('cpu-2');
  });

  it('rejects a default that is not in the catalog, and duplicate ids', () => {
    expect(() => new LocalFlavors({ machine, defaultId: 'nope' })).toThrow(/"nope" is not in the catalog/);
    expect(
      () =>
        new LocalFlavors({
          machine,
          catalog: [
            { id: 'a', cpus: 1, memoryMiB: 64 },
            { id: 'a', cpus: 1, memoryMiB: 64 }
          ]
        })
    ).toThrow(/unique/);
  });
});
