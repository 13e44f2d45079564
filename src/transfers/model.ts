import type { ITransfer } from '../api/client';
import { PolledList } from '../core/polled';
import type { IAtelierClient, ITransfersModel } from '../tokens';

const ACTIVE = new Set(['queued', 'running']);

export function isActive(transfer: ITransfer): boolean {
  return ACTIVE.has(transfer.state);
}

/** The service's transfers, followed closely while one is active. */
export class TransfersModel extends PolledList<ITransfer> implements ITransfersModel {
  constructor(private readonly _client: IAtelierClient) {
    super('jupyterlab-atelier:transfers');
  }

  get transfers(): ITransfer[] {
    return this.items;
  }

  get active(): ITransfer[] {
    return this.items.filter(isActive);
  }

  /** Creates a transfer and follows it closely until it ends. */
  async create(request: Parameters<IAtelierClient['createTransfer']>[0]): Promise<ITransfer> {
    const transfer = await this._client.createTransfer(request);
    this.added(transfer);
    return transfer;
  }

  async stop(id: string): Promise<void> {
    await this._client.stopTransfer(id);
    await this.refresh();
  }

  protected openEvents(
    signal: AbortSignal,
    onItem: (transfer: ITransfer) => void,
    _onRemoved: (id: string) => void,
    opened: () => void
  ): Promise<void> {
    return this._client.transferEvents(onItem, signal, opened);
  }

  protected fetch(): Promise<ITransfer[]> {
    return this._client.transfers();
  }

  protected isActive(transfer: ITransfer): boolean {
    return isActive(transfer);
  }
}
