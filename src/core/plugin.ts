import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { AtelierClient } from '../api/client';
import { AtelierError } from '../api/request';
import { IAtelierClient, TRANSLATION_DOMAIN } from '../tokens';
import { VERSION } from '../version';

/**
 * What the start-up handshake found, as a message for a person, or null when the service
 * answered and matches this front end.
 */
export async function handshake(
  client: IAtelierClient,
  trans: TranslationBundle
): Promise<{ level: 'error' | 'warning'; message: string } | null> {
  try {
    const status = await client.status();
    if (status.version !== VERSION) {
      return {
        level: 'warning',
        message: trans.__(
          'The Atelier service is version %1 but the JupyterLab extension is %2. Restart `atelier lab` (or the service) after upgrading so that both match.',
          status.version,
          VERSION
        )
      };
    }
    return null;
  } catch (e) {
    if (e instanceof AtelierError && e.serviceMissing) {
      return {
        level: 'error',
        message: trans.__(
          'The Atelier service is not running behind this JupyterLab, so its features are unavailable. Start JupyterLab with `atelier lab`, or run `atelier serve` behind jupyter-server-proxy (see the README).'
        )
      };
    }
    if (e instanceof AtelierError && (e.status === 401 || e.status === 403)) {
      return { level: 'error', message: trans.__('Atelier refused the request: %1', e.message) };
    }
    if (e instanceof AtelierError && e.status === 503) {
      // The Jupyter server is restarting; the status item reconnects by itself.
      return null;
    }
    return { level: 'error', message: trans.__('Atelier could not start: %1', (e as Error).message) };
  }
}

/** Provides the client of the Atelier service and checks, once, that the service is there. */
export const clientPlugin: JupyterFrontEndPlugin<IAtelierClient> = {
  id: 'jupyterlab-atelier:client',
  description: 'Provides the typed client of the Atelier service and checks at start-up that the service answers.',
  autoStart: true,
  provides: IAtelierClient,
  optional: [ITranslator],
  activate: (app: JupyterFrontEnd, translator: ITranslator | null): IAtelierClient => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const client = new AtelierClient({ serverSettings: app.serviceManager.serverSettings });
    // Never await the network in activate.
    void handshake(client, trans).then(problem => {
      if (problem) {
        Notification.emit(problem.message, problem.level, { autoClose: false });
      }
    });
    return client;
  }
};
