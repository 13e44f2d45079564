/**
 * Training jobs: the manager (records, queue, state machine), how a request is checked, how a
 * job's data is staged and delivered, and its logs.
 */
export { JobManager } from './manager';
export type { IJobManagerOptions } from './manager';
export { fieldError } from './request';
export { describeExit } from './logs';
