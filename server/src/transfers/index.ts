/**
 * Transfers between the workspace and object storage: the manager (records, runs, events),
 * how a transfer is planned, and its upload and download sides. What transfers guarantee is
 * told in manager.ts.
 */
export { TransferManager } from './manager';
export type { ITransferOptions } from './manager';
