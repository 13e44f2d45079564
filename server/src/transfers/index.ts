/**
 * Transfers between the workspace and object storage: the manager (records, runs, events),
 * how a transfer is planned, and its two directions: to storage and to the workspace. What transfers guarantee is
 * told in manager.ts.
 */
export { TransferManager } from './manager';
export type { ITransferOptions } from './manager';
