/**
 * Flavors under JupyterHub: the profiles the Hub offers. A switch stops this user's server and
 * starts it again with the chosen profile through the Hub's REST API, as the server's own token
 * may when the Hub's `server` role grants `servers!user` and `tokens!user`. The service that
 * asked ends with the server, so a detached worker does the restart (switch-worker.ts), and
 * the service of the restarted server follows it to the end (`resume`).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Logger } from 'pino';
import { writeAtomicSync } from '../../durable';
import { alive } from '../../limits';
import type { IFlavor, IUsage } from '@atelier/api';
import { TreeSampler } from '../../usage';
import type { IFlavorProvider, SwitchProgress } from '../index';
import { HubApi, IHubConnection } from './hub-api';
import { defaultProfile, IHubProfile } from './profiles';
import { ISwitchOrder, ISwitchState, readSwitchState } from './switch-worker';

const CURRENT_CACHE_MS = 5000;
/** How many times a switch worker that ends before it begins is started. */
const WORKER_TRIES = 3;

export interface IHubFlavorsOptions {
  hub: IHubConnection;
  profiles: IHubProfile[];
  /** Where the worker's state and log files go. */
  dataDir: string;
  /** The command that runs `atelier hub-switch` (default: this script with node). */
  workerCommand?: string[];
  logger?: Logger;
  /** How often a switch under way is read (ms). */
  pollMs?: number;
}

/** The scopes a switch needs, and whether `held` (as the Hub expands a token's scopes) has them. */
export function switchScopesHeld(held: string[], user: string): boolean {
  const covers = (scope: string) =>
    held.includes(scope) || held.includes(`${scope}!user=${user}`) || held.includes(`${scope}!user`);
  return covers('servers') && covers('tokens');
}

export class HubFlavors implements IFlavorProvider {
  constructor(private readonly _options: IHubFlavorsOptions) {
    this._api = new HubApi(_options.hub);
  }

  get switchReason(): string | undefined {
    return this._switchReason;
  }

  /** Asks the Hub what the server's token may do; a switch is offered only when it may restart its server. */
  async prepare(): Promise<void> {
    try {
      if (switchScopesHeld(await this._api.scopes(), this._options.hub.user)) {
        this._switchable = true;
        this._switchReason = undefined;
      } else {
        this._switchReason =
          "The Hub does not let this server restart itself under another profile. An administrator can allow it by adding the scopes servers!user and tokens!user to the Hub's server role (see Atelier's JupyterHub guide); meanwhile, choose the profile when the Hub starts your server.";
      }
    } catch (e) {
      this._switchReason = `The Hub could not be asked whether this server may restart itself: ${(e as Error).message}`;
    }
  }

  async list(): Promise<IFlavor[]> {
    return this._options.profiles.map(p => ({ ...p.flavor }));
  }

  async current(): Promise<IFlavor> {
    return { ...(await this._currentProfile()).flavor };
  }

  canSwitch(): boolean {
    return this._switchable;
  }

  observe(pid: number): void {
    this._observed = pid;
  }

  async usage(): Promise<IUsage> {
    const flavor = await this.current();
    const { cpuPercent, memoryUsedMiB } = this._sampler.sample(this._observed);
    return {
      cpuPercent,
      cpus: flavor.cpus,
      memoryUsedMiB,
      memoryLimitMiB: flavor.memoryMiB,
      at: new Date().toISOString()
    };
  }

  async switchTo(id: string, progress: SwitchProgress, switchId: string): Promise<IFlavor> {
    const target = this._options.profiles.find(p => p.slug === id);
    if (!target) {
      throw new Error(`There is no profile "${id}".`);
    }
    const from = await this._currentProfile();
    const user = this._options.hub.user;
    // The worker's own token: the server's token ends when the server stops.
    const issued = (await this._api.call('POST', `users/${encodeURIComponent(user)}/tokens`, {
      note: 'Atelier: switching the server to another profile',
      expires_in: 1800,
      scopes: [`servers!user=${user}`]
    })) as { id: string; token: string };
    const order: ISwitchOrder = {
      switchId,
      hub: { ...this._options.hub, token: issued.token },
      from: { slug: from.slug, name: from.flavor.name },
      to: { slug: target.slug, name: target.flavor.name },
      file: this._stateFile,
      tokenId: issued.id
    };
    // The worker's state starts here (it takes the file over), so that it is followed from now on.
    const initial: ISwitchState = {
      switchId,
      from: from.slug,
      to: target.slug,
      pid: process.pid,
      host: os.hostname(),
      tokenId: issued.id,
      state: 'running',
      step: 'stopping',
      message: `Stopping the notebook server (${from.flavor.name})`
    };
    fs.mkdirSync(this._options.dataDir, { recursive: true });
    writeAtomicSync(this._stateFile, JSON.stringify(initial));
    this._startWorker(order);
    return this.resume(switchId, progress)!;
  }

  /** Follows the worker of switch `switchId` to its end; null when there is no such worker. */
  resume(switchId: string, progress: SwitchProgress): Promise<IFlavor> | null {
    const first = readSwitchState(this._stateFile);
    if (!first || first.switchId !== switchId) {
      return null;
    }
    return new Promise<IFlavor>((resolve, reject) => {
      let seen = '';
      const tick = () => {
        const state = readSwitchState(this._stateFile);
        if (!state || state.switchId !== switchId) {
          reject(new Error('The record of the switch is gone.'));
          return;
        }
        if (
          state.state === 'running' &&
          `${state.step}\n${state.message}` !== seen &&
          state.step !== 'ready' &&
          state.step !== 'failed'
        ) {
          seen = `${state.step}\n${state.message}`;
          progress(state.step, state.message);
        }
        if (state.state !== 'running') {
          void this._forgetToken(state);
          this._cached = undefined;
          const to = this._options.profiles.find(p => p.slug === state.to);
          if (state.state === 'completed' && to) {
            resolve({ ...to.flavor });
          } else {
            reject(new Error(state.error ?? 'The switch failed.'));
          }
          return;
        }
        if (state.host !== os.hostname() || !alive(state.pid)) {
          reject(
            new Error(
              "The worker that restarts the server stopped before it finished; if your server is not running, start it from the Hub's home page."
            )
          );
          return;
        }
        setTimeout(tick, this._options.pollMs ?? 300);
      };
      tick();
    });
  }

  private get _stateFile(): string {
    return path.join(this._options.dataDir, 'flavor-switch-worker.json');
  }

  /**
   * Starts the worker. One that ends before it took the switch over (its first write of the
   * state, before it asks the Hub for anything) has done nothing, so it is started again, up to
   * WORKER_TRIES times in all: a process that cannot start on a loaded machine is no reason to
   * fail a switch. One that ends later, with the switch still running, fails it: otherwise the
   * switch would be waited for forever, as this service is alive to hear the exit.
   */
  private _startWorker(order: ISwitchOrder, tries = 1): void {
    const ours = (state: ISwitchState | null): state is ISwitchState =>
      state?.switchId === order.switchId && state.state === 'running';
    const fail = (error: string, last: ISwitchState) => {
      this._options.logger?.error({ err: { message: error } }, 'the flavor switch worker failed');
      try {
        writeAtomicSync(
          this._stateFile,
          JSON.stringify({ ...last, state: 'failed', step: 'failed', message: error, error })
        );
      } catch (e) {
        this._options.logger?.error({ err: { message: (e as Error).message } }, 'the flavor switch could not be ended');
      }
    };
    const [file, ...args] = this._options.workerCommand ?? [process.execPath, process.argv[1], 'hub-switch'];
    const logFile = path.join(this._options.dataDir, 'logs', 'flavor-switch.log');
    let log: number | undefined;
    let logStart = 0;
    let ended = false;
    const end = (how: string) => {
      if (ended) {
        return;
      }
      ended = true;
      const state = readSwitchState(this._stateFile);
      if (!ours(state)) {
        return; // it said how the switch went (or another switch began)
      }
      const tookOver = state.pid !== process.pid;
      if (!tookOver && tries < WORKER_TRIES) {
        this._options.logger?.warn({ how, tries }, 'the flavor switch worker ended before it began; starting it again');
        setTimeout(() => this._startWorker(order, tries + 1), 500 * tries);
        return;
      }
      const said = this._workerLastWords(logFile, logStart);
      const why = `it ${how}${said ? ` (${said})` : ''}`;
      fail(
        tookOver
          ? `The worker that restarts the server stopped before it finished: ${why}.`
          : `The worker that restarts the server could not start: ${why}, ${tries} times.`,
        state
      );
    };
    try {
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      log = fs.openSync(logFile, 'a', 0o600);
      logStart = fs.fstatSync(log).size;
      // Its own session: the stop of the server (and of this service) does not reach it.
      const child = spawn(file, args, { detached: true, stdio: ['pipe', log, log] });
      child.on('error', e => end(`could not be run (${e.message})`));
      child.on('exit', (code, signal) => end(signal ? `was ended by ${signal}` : `exited with code ${code}`));
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(JSON.stringify(order));
      child.unref();
    } catch (e) {
      end(`could not be run (${(e as Error).message})`);
    } finally {
      if (log !== undefined) {
        fs.closeSync(log);
      }
    }
  }

  /**
   * The last thing the switch worker said in its log after `from`: its own lines start with
   * `atelier hub-switch` (a stack's other lines, or Node's, are left to the log).
   */
  private _workerLastWords(logFile: string, from: number): string {
    try {
      const text = fs.readFileSync(logFile).subarray(from);
      const lines = text.toString('utf8').split('\n');
      const line = lines.reverse().find(l => l.startsWith('atelier hub-switch')) ?? '';
      return line.length > 300 ? `${line.slice(0, 300)}…` : line;
    } catch {
      return '';
    }
  }

  private async _forgetToken(state: ISwitchState): Promise<void> {
    try {
      await this._api.call(
        'DELETE',
        `users/${encodeURIComponent(this._options.hub.user)}/tokens/${encodeURIComponent(state.tokenId)}`
      );
    } catch (e) {
      this._options.logger?.debug(
        { err: { message: (e as Error).message } },
        "the switch worker's token was not deleted (it expires by itself)"
      );
    }
  }

  /** The profile the Hub started this server with (asked at most every few seconds). */
  private async _currentProfile(): Promise<IHubProfile> {
    if (!this._cached || Date.now() - this._cached.at > CURRENT_CACHE_MS) {
      this._cached = { at: Date.now(), profile: this._askCurrent() };
    }
    return this._cached.profile;
  }

  private async _askCurrent(): Promise<IHubProfile> {
    const profiles = this._options.profiles;
    try {
      const server = await this._api.server();
      const slug = server?.user_options?.profile;
      const found = profiles.find(p => p.slug === slug);
      if (found) {
        return found;
      }
    } catch (e) {
      this._options.logger?.debug(
        { err: { message: (e as Error).message } },
        'the Hub did not say which profile this server runs under'
      );
    }
    return defaultProfile(profiles);
  }

  private _api: HubApi;
  private _cached: { at: number; profile: Promise<IHubProfile> } | undefined;
  private _switchable = false;
  private _switchReason: string | undefined;
  private _observed: number | undefined;
  private _sampler = new TreeSampler();
}
