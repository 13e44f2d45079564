/**
 * JupyterHub profiles as flavors. A `profile_list` as KubeSpawner defines it: each profile has
 * a `display_name`, an optional `slug` (else derived from the name), `description`, `default`,
 * and a `kubespawner_override` whose `cpu_limit`/`cpu_guarantee`, `mem_limit`/`mem_guarantee`
 * and `extra_resource_limits` ("nvidia.com/gpu") say its size. A size a profile does not state
 * is 0 (not stated). `profile_options` (choices inside a profile) are not offered.
 */
import type { IFlavor } from '@atelier/api';

export interface IHubProfile {
  /** The slug the Hub's spawner is started with (`user_options.profile`). */
  slug: string;
  flavor: IFlavor;
  isDefault: boolean;
}

/** KubeSpawner's byte specification: a number of bytes, or a number with K, M, G or T (powers of 1024). */
export function parseBytes(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return value;
  }
  if (typeof value !== 'string') {
    return null;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(value);
  if (!match) {
    return null;
  }
  const power = ' KMGT'.indexOf(match[2].toUpperCase() || ' ');
  return Number(match[1]) * 1024 ** power;
}

/** As KubeSpawner derives a slug from a display name: lower case, runs of other characters as one dash. */
export function slugOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

function positive(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * The profiles, checked: a list of objects with a display name each, distinct slugs. Throws an
 * error that says which profile is wrong and why.
 */
export function parseProfiles(list: unknown): IHubProfile[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new Error(
      "The JupyterHub profile list must be a non-empty JSON array of profiles, as KubeSpawner's profile_list."
    );
  }
  const seen = new Set<string>();
  return list.map((entry, index) => {
    const where = `Profile ${index + 1}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new Error(`${where} is not an object.`);
    }
    const profile = entry as Record<string, unknown>;
    const name = profile.display_name;
    if (typeof name !== 'string' || !name.trim()) {
      throw new Error(`${where} has no display_name.`);
    }
    const slug = typeof profile.slug === 'string' && profile.slug ? profile.slug : slugOf(name);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(slug)) {
      throw new Error(
        `${where} ("${name}") has the slug "${slug}"; use letters, digits, ".", "_" and "-", at most 64.`
      );
    }
    if (seen.has(slug)) {
      throw new Error(`${where} ("${name}") has the slug "${slug}" of an earlier profile; slugs must be unique.`);
    }
    seen.add(slug);
    const override = (
      profile.kubespawner_override && typeof profile.kubespawner_override === 'object'
        ? profile.kubespawner_override
        : {}
    ) as Record<string, unknown>;
    const extra = (
      override.extra_resource_limits && typeof override.extra_resource_limits === 'object'
        ? override.extra_resource_limits
        : {}
    ) as Record<string, unknown>;
    const memory = parseBytes(override.mem_limit) ?? parseBytes(override.mem_guarantee) ?? 0;
    const flavor: IFlavor = {
      id: slug,
      name,
      cpus: positive(override.cpu_limit) || positive(override.cpu_guarantee),
      memoryMiB: Math.floor(memory / 1024 / 1024),
      gpus: Math.floor(positive(extra['nvidia.com/gpu'])),
      selectable: true
    };
    if (typeof profile.description === 'string' && profile.description) {
      flavor.description = profile.description;
    }
    return { slug, flavor, isDefault: profile.default === true };
  });
}

/** The profile a server started without one runs under: the one marked default, else the first. */
export function defaultProfile(profiles: IHubProfile[]): IHubProfile {
  return profiles.find(p => p.isDefault) ?? profiles[0];
}
