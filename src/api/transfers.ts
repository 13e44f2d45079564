import type { ICreateTransfer, ITransfer } from '@atelier/api';
import { ClientConstructor, JSON_HEADERS } from './base';
import { requestAPI, streamAPI } from './request';

/** Transfers between the workspace and object storage, which the service carries out. */
export function TransfersAPI<TBase extends ClientConstructor>(Base: TBase) {
  return class extends Base {
    async transfers(): Promise<ITransfer[]> {
      return (await requestAPI<{ transfers: ITransfer[] }>('transfers', {}, this.serverSettings)).transfers;
    }

    transfer(id: string): Promise<ITransfer> {
      return requestAPI<ITransfer>(`transfers/${encodeURIComponent(id)}`, {}, this.serverSettings);
    }

    /** Follows every change of a transfer (`transfer` events) until `signal` aborts. */
    transferEvents(onTransfer: (transfer: ITransfer) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
      return streamAPI(
        'transfers/events',
        (event, data) => event === 'transfer' && onTransfer(data as ITransfer),
        signal,
        this.serverSettings,
        onOpen
      );
    }

    createTransfer(request: ICreateTransfer): Promise<ITransfer> {
      return requestAPI<ITransfer>(
        'transfers',
        { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(request) },
        this.serverSettings
      );
    }

    stopTransfer(id: string): Promise<ITransfer> {
      return requestAPI<ITransfer>(`transfers/${encodeURIComponent(id)}/stop`, { method: 'POST' }, this.serverSettings);
    }

    async removeTransfer(id: string): Promise<void> {
      await requestAPI(`transfers/${encodeURIComponent(id)}`, { method: 'DELETE' }, this.serverSettings);
    }
  };
}
