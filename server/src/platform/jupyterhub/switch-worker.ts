/**
 * The switch of a JupyterHub server to another profile, run by a detached process of its own
 * (`atelier hub-switch`): stopping the server ends the service that asked for the switch, so
 * the stop, the start under the new profile and, where that fails, the start under the old one
 * are done from outside. Each step is written to a state file that the service of the restarted
 * server reads; the worker uses a short-lived token of the user's (the server's own token ends
 * with the server).
 */
import * as fs from 'fs';
import * as os from 'os';
import { writeAtomicSync } from '../../durable';
import { HubApi, HubError, IHubConnection } from './hub-api';

/** What the service hands the worker (on its standard input: the token is in it). */
export interface ISwitchOrder {
  switchId: string;
  hub: IHubConnection;
  /** Profile slugs and names. */
  from: { slug: string; name: string };
  to: { slug: string; name: string };
  /** The worker's state file. */
  file: string;
  /** The id of the worker's token, which the next service deletes once the switch is over. */
  tokenId: string;
}

/** The worker's state file. */
export interface ISwitchState {
  switchId: string;
  /** Profile slugs. */
  from: string;
  to: string;
  /** The worker's process and host (a pid means nothing on another host, e.g. a new pod). */
  pid: number;
  host: string;
  tokenId: string;
  state: 'running' | 'completed' | 'failed';
  step: 'stopping' | 'starting' | 'rolling-back' | 'ready' | 'failed';
  message: string;
  error?: string;
}

const STOP_TIMEOUT_MS = 5 * 60 * 1000;

export async function runSwitch(order: ISwitchOrder, pollMs = 500): Promise<ISwitchState> {
  const api = new HubApi(order.hub);
  const state: ISwitchState = {
    switchId: order.switchId,
    from: order.from.slug,
    to: order.to.slug,
    pid: process.pid,
    host: os.hostname(),
    tokenId: order.tokenId,
    state: 'running',
    step: 'stopping',
    message: `Stopping the notebook server (${order.from.name})`
  };
  const save = () => writeAtomicSync(order.file, JSON.stringify(state));
  const step = (next: ISwitchState['step'], message: string) => {
    state.step = next;
    state.message = message;
    save();
  };
  save();

  const start = async (profile: { slug: string; name: string }) => {
    try {
      await api.call('POST', api.serverRoute, { profile: profile.slug });
    } catch (e) {
      // A spawn that fails at once is a bare 500; the progress stream says why.
      const said = await api.progress(() => undefined).catch(() => null);
      throw said?.failed && said.message ? new Error(said.message) : e;
    }
    // 201: ready already; 202: pending. Either way the progress stream ends with ready or failed.
    const last = await api.progress(event => {
      if (event.message && !event.ready && !event.failed) {
        step(state.step, `${profile.name}: ${event.message}`);
      }
    });
    if (last?.failed) {
      throw new Error(last.message || 'The Hub could not start the server.');
    }
    if (!last?.ready) {
      const server = await api.server();
      if (!server?.ready) {
        throw new Error('The Hub ended the spawn without the server being ready.');
      }
    }
  };

  try {
    await api.call('DELETE', api.serverRoute).catch(e => {
      // 400: not running any more, which is what was asked.
      if (!(e instanceof HubError && e.status === 400)) {
        throw e;
      }
    });
    const until = Date.now() + STOP_TIMEOUT_MS;
    while (await api.server()) {
      if (Date.now() > until) {
        throw new Error('The Hub did not stop the server within 5 minutes.');
      }
      await new Promise(resolve => setTimeout(resolve, pollMs));
    }
  } catch (e) {
    state.state = 'failed';
    state.step = 'failed';
    state.error = `The server could not be stopped: ${(e as Error).message}`;
    state.message = state.error;
    save();
    return state;
  }

  try {
    step('starting', `Starting the notebook server under ${order.to.name}`);
    await start(order.to);
    state.state = 'completed';
    state.step = 'ready';
    state.message = `The notebook server runs under ${order.to.name}`;
  } catch (e) {
    const reason = (e as Error).message;
    step('rolling-back', `${order.to.name} failed; starting the notebook server under ${order.from.name} again`);
    try {
      await start(order.from);
      state.error = reason;
    } catch (again) {
      state.error = `${reason} Going back to ${order.from.name} failed as well: ${(again as Error).message} Start your server from the Hub's home page.`;
    }
    state.state = 'failed';
    state.step = 'failed';
    state.message = state.error;
  }
  save();
  return state;
}

/** `atelier hub-switch`: reads the order from standard input and runs it. */
export async function runSwitchFromStdin(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  let order: ISwitchOrder;
  try {
    order = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ISwitchOrder;
  } catch {
    process.stderr.write('atelier hub-switch: the order on standard input is not JSON.\n');
    return 2;
  }
  let state: ISwitchState;
  try {
    state = await runSwitch(order);
  } catch (e) {
    process.stderr.write(`atelier hub-switch ${order.switchId}: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
  process.stderr.write(`atelier hub-switch ${order.switchId}: ${state.state}: ${state.message}\n`);
  return state.state === 'completed' ? 0 : 1;
}

/** Reads a worker's state file; null when it is missing or unreadable. */
export function readSwitchState(file: string): ISwitchState | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ISwitchState;
  } catch {
    return null;
  }
}
