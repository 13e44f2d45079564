import type { Logger } from 'pino';
import { ConfigError } from '../../config';
import { HubFlavors } from './flavors';
import { hubFromEnv } from './hub-api';
import { parseProfiles } from './profiles';

/**
 * The Hub's profiles as flavors, where Atelier runs in a JupyterHub single-user server and the
 * Hub hands it its profile list (ATELIER_HUB_PROFILES: KubeSpawner's profile_list as JSON);
 * null elsewhere.
 */
export function hubFlavorsFromEnv(env: NodeJS.ProcessEnv, dataDir: string, logger?: Logger): HubFlavors | null {
  const hub = hubFromEnv(env);
  const text = env.ATELIER_HUB_PROFILES;
  if (!hub || !text) {
    return null;
  }
  let profiles;
  try {
    profiles = parseProfiles(JSON.parse(text));
  } catch (e) {
    throw new ConfigError(`ATELIER_HUB_PROFILES: ${e instanceof SyntaxError ? 'not JSON' : (e as Error).message}`);
  }
  return new HubFlavors({ hub, profiles, dataDir, logger });
}
