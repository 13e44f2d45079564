/**
 * The storage dialogs and the service agree on names: each name the dialog lets through, a
 * real service accepts, and each it refuses, the service refuses too.
 */
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { AtelierClient } from '../api/client';
import { bucketProblem, keyProblem } from '../storage/names';
import { IRunningService, startService } from './service';

const trans = nullTranslator.load('jupyterlab_atelier');

describe('bucket and key rules, in the dialogs and on a real service', () => {
  let service: IRunningService;
  let client: AtelierClient;

  beforeAll(async () => {
    service = await startService();
    client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) });
    await client.createBucket('local', 'names');
  });

  afterAll(async () => {
    await service?.stop();
  });

  const accepted = (promise: Promise<unknown>) =>
    promise.then(
      () => true,
      (e: { status?: number }) => {
        if (e.status !== 400) {
          throw e;
        }
        return false;
      }
    );

  it.each([
    ['ok-bucket', true],
    ['a.b-c', true],
    ['ab', false],
    ['Upper', false],
    ['has space', false],
    ['-dash', false],
    ['dots..dots', false],
    ['192.168.1.1', false],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false]
  ])('bucket %j: allowed %s', async (name, allowed) => {
    expect(bucketProblem(name, trans) === null).toBe(allowed);
    expect(await accepted(client.createBucket('local', name))).toBe(allowed);
  });

  it.each([
    ['plain/', true],
    ['with space and ünïcode/', true],
    ['a+b%c#d?e/', true],
    ['/leading/', false],
    ['double//slash/', false],
    ['dot/./segment/', false],
    ['dots/../up/', false],
    ['control\u0007/', false],
    // 1,024 bytes of UTF-8 at most (in parts a filesystem takes: 200 bytes each).
    [`${'é'.repeat(100)}/`.repeat(5), true],
    [`${'é'.repeat(100)}/`.repeat(6), false]
  ])('folder %j: allowed %s', async (key, allowed) => {
    expect(keyProblem(key, trans) === null).toBe(allowed);
    expect(await accepted(client.createFolder('local', 'names', key))).toBe(allowed);
  });
});
