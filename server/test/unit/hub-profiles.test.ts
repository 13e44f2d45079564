import { switchScopesHeld } from '../../src/platform/jupyterhub/flavors';
import { defaultProfile, parseBytes, parseProfiles } from '../../src/platform/jupyterhub/profiles';

describe('JupyterHub profiles as flavors', () => {
  it("reads KubeSpawner's byte specifications", () => {
    expect(parseBytes('1G')).toBe(1024 ** 3);
    expect(parseBytes('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('512M')).toBe(512 * 1024 ** 2);
    expect(parseBytes('2Gi')).toBe(2 * 1024 ** 3);
    expect(parseBytes(4096)).toBe(4096);
    expect(parseBytes('4096')).toBe(4096);
    expect(parseBytes('lots')).toBeNull();
    expect(parseBytes(-1)).toBeNull();
    expect(parseBytes(undefined)).toBeNull();
  });

  it('turns a profile_list into flavors: sizes from the override, slugs from names, the default marked', () => {
    const profiles = parseProfiles([
      { display_name: 'Data science (2 CPUs)', kubespawner_override: { cpu_limit: 2, mem_limit: '4G' } },
      {
        display_name: 'GPU',
        slug: 'gpu',
        default: true,
        description: 'One T4',
        kubespawner_override: {
          cpu_guarantee: 4,
          mem_guarantee: '16G',
          extra_resource_limits: { 'nvidia.com/gpu': '1' }
        }
      },
      { display_name: 'Whatever the cluster gives' }
    ]);
    expect(profiles.map(p => p.flavor)).toEqual([
      { id: 'data-science-2-cpus', name: 'Data science (2 CPUs)', cpus: 2, memoryMiB: 4096, gpus: 0, selectable: true },
      { id: 'gpu', name: 'GPU', description: 'One T4', cpus: 4, memoryMiB: 16384, gpus: 1, selectable: true },
      {
        id: 'whatever-the-cluster-gives',
        name: 'Whatever the cluster gives',
        cpus: 0,
        memoryMiB: 0,
        gpus: 0,
        selectable: true
      }
    ]);
    expect(defaultProfile(profiles).slug).toBe('gpu');
    expect(defaultProfile(profiles.filter(p => p.slug !== 'gpu')).slug).toBe('data-science-2-cpus');
  });

  it('says which profile is wrong and why', () => {
    expect(() => parseProfiles([])).toThrow(/non-empty JSON array/);
    expect(() => parseProfiles({})).toThrow(/non-empty JSON array/);
    expect(() => parseProfiles(['x'])).toThrow('Profile 1 is not an object.');
    expect(() => parseProfiles([{ slug: 'a' }])).toThrow('Profile 1 has no display_name.');
    expect(() =>
      parseProfiles([
        { display_name: 'A', slug: 'a' },
        { display_name: 'B', slug: 'a' }
      ])
    ).toThrow(/Profile 2 \("B"\).*must be unique/);
    expect(() => parseProfiles([{ display_name: 'A', slug: '../x' }])).toThrow(
      /Profile 1 \("A"\) has the slug "..\/x"/
    );
  });

  it('offers a switch only when the server token may restart its server and issue a token', () => {
    expect(switchScopesHeld(['servers!user=ada', 'tokens!user=ada', 'access:servers!server=ada/'], 'ada')).toBe(true);
    expect(switchScopesHeld(['servers', 'tokens'], 'ada')).toBe(true);
    expect(switchScopesHeld(['servers!user=bob', 'tokens!user=ada'], 'ada')).toBe(false);
    expect(switchScopesHeld(['users:activity!user=ada', 'access:servers!server=ada/'], 'ada')).toBe(false);
  });
});
