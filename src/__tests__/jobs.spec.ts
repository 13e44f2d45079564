import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { AtelierClient } from '../api/client';
import { AtelierError } from '../api/request';
import { jobNameFor } from '../jobs/launch';
import { formatDuration } from '../core/format';
import { JobsModel } from '../jobs/model';
import { emptyValues, errorKey, nearestJobName, toRequest, valuesFromRequest } from '../jobs/values';
import { IRunningService, startService } from './service';
import { IHistoryJob, writeHistory } from '../../server/test/support/history';

const trans = nullTranslator.load('jupyterlab_atelier');

describe('the job form', () => {
  it('turns valid values into a request', () => {
    const values = {
      ...emptyValues(),
      name: 'train-1',
      program: 'bootFile' as const,
      bootFile: ' code/train.py ',
      parameters: [{ name: 'lr', value: '0.1' }],
      environments: [{ name: 'SEED', value: '7' }],
      outputs: [{ name: 'model', value: 's3://runs/one/' }],
      nodeCount: '1',
      maxRuntimeMinutes: '30'
    };
    const { request, errors } = toRequest(values, trans);
    expect(errors).toEqual({});
    expect(request).toEqual({
      name: 'train-1',
      bootFile: 'code/train.py',
      parameters: [{ name: 'lr', value: '0.1' }],
      environments: { SEED: '7' },
      inputs: [],
      outputs: [{ name: 'model', uri: 's3://runs/one/' }],
      nodeCount: 1,
      maxRuntimeMinutes: 30
    });
    // Clone and edit gives the same values back.
    expect(toRequest(valuesFromRequest(request!), trans).request).toEqual(request);
  });

  it('names each field at fault', () => {
    const { request, errors } = toRequest(
      {
        ...emptyValues(),
        name: 'bad name',
        program: 'notebook',
        environments: [{ name: '1X', value: '' }],
        inputs: [
          { name: 'data', value: 's3://a/b' },
          { name: 'DATA', value: 'x' }
        ],
        outputs: [{ name: 'model', value: ' ' }],
        nodeCount: '0',
        maxRuntimeMinutes: '-1'
      },
      trans
    );
    expect(request).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual([
      'environments.0',
      'inputs.1',
      'maxRuntimeMinutes',
      'name',
      'nodeCount',
      'notebook',
      'outputs.0'
    ]);
  });

  it('offers the nearest valid name, and says when there is none', () => {
    const named = (name: string) => toRequest({ ...emptyValues(), name, command: 'true' }, trans).errors.name;
    expect(named('bad name')).toMatch(/For example "bad-name"\.$/);
    expect(named('  my run #3 ')).toMatch(/For example "my-run-3"\.$/);
    expect(named('')).toBe('Give the job a name.');
    expect(named('***')).not.toMatch(/For example/);
    expect(nearestJobName('résumé v2')).toBe('r-sum-v2');
  });

  it("maps the service's field to the form's", () => {
    const values = { ...emptyValues(), program: 'command' as const, inputs: [{ name: 'data', value: 'x' }] };
    expect(errorKey(new AtelierError(400, 'invalid_field', 'm', 'inputs.data'), values)).toBe('inputs.0');
    expect(errorKey(new AtelierError(400, 'invalid_field', 'm', 'bootFile'), values)).toBe('command');
    expect(errorKey(new AtelierError(400, 'invalid_request', 'm'), values)).toBe('form');
  });

  it('derives job names and durations for display', () => {
    expect(jobNameFor('experiments/My Notebook (v2).ipynb')).toBe('My-Notebook-v2');
    expect(jobNameFor('_.py')).toBe('job');
    expect(formatDuration(5.4)).toBe('5 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
  });
});

describe('JobsModel against a real service', () => {
  let service: IRunningService;
  let model: JobsModel;

  beforeAll(async () => {
    service = await startService();
    const client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) });
    model = new JobsModel(client);
  });

  afterAll(async () => {
    model?.dispose();
    await service?.stop();
  });

  it('submits a job, follows it to the end and reports it finished once', async () => {
    const finished: string[] = [];
    model.finished.connect((_, job) => finished.push(`${job.metadata.name}:${job.status.phase}`));
    const job = await model.create({
      name: 'echo',
      command: 'echo "hello from the job"; exit 2',
      parameters: [],
      environments: {},
      inputs: [],
      outputs: [],
      nodeCount: 1
    });
    expect(model.find(job.id)?.status.phase).toBe('Pending');
    const deadline = Date.now() + 30000;
    while (!finished.length && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 100));
      await model.refresh();
    }
    expect(finished).toEqual(['echo:Failed']);
    expect(model.find(job.id)?.status.exitCode).toBe(2);
    const log = await model.client.jobLog(job.id);
    expect(log.text).toContain('hello from the job');
    expect(log.complete).toBe(true);
    // The filter asks the service once typing pauses.
    model.setView({ filter: 'no such job' });
    await until(() => settled(model) && model.total === 0);
    expect(model.jobs).toEqual([]);
    model.setView({ filter: 'ech' });
    await until(() => settled(model) && model.total === 1);
    expect(model.jobs.map(j => j.id)).toEqual([job.id]);
  });

  it("learns of jobs from the service's event stream, without reading the list again", async () => {
    // The same real client, counting how often the whole list is read.
    const client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) });
    let listed = 0;
    const jobPage = client.jobPage.bind(client);
    client.jobPage = query => {
      listed += 1;
      return jobPage(query);
    };
    const followed = new JobsModel(client);
    const finished: string[] = [];
    followed.finished.connect((_, job) => finished.push(job.id));
    try {
      await followed.start();
      const deadline = Date.now() + 30000;
      while (listed < 2 && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 50)); // the first read, and the one when the stream opens
      }
      const before = listed;
      const job = await client.createJob({
        name: 'pushed',
        command: 'echo pushed',
        parameters: [],
        environments: {},
        inputs: [],
        outputs: [],
        nodeCount: 1
      });
      while (!finished.includes(job.id) && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      expect(finished).toEqual([job.id]);
      expect(followed.find(job.id)?.status.phase).toBe('Completed');
      expect(listed).toBe(before);
    } finally {
      followed.dispose();
    }
  });

  it('carries the field of a refused request', async () => {
    await expect(
      model.create({
        name: 'x',
        bootFile: 'missing.py',
        parameters: [],
        environments: {},
        inputs: [],
        outputs: [],
        nodeCount: 1
      })
    ).rejects.toMatchObject({ status: 400, field: 'bootFile' });
  });
});

/** Whether the model has read the current view and is not reading. */
function settled(model: JobsModel): boolean {
  return model.loaded && !model.loading;
}

async function until(condition: () => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('timed out waiting for the jobs model');
    }
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}

describe('JobsModel on a long history', () => {
  let service: IRunningService;
  let history: IHistoryJob[];
  let client: AtelierClient;
  let model: JobsModel;
  let listed = 0;

  beforeAll(async () => {
    service = await startService(async dataDir => (history = await writeHistory(dataDir, 1000)));
    client = new AtelierClient({ serverSettings: ServerConnection.makeSettings({ baseUrl: service.baseUrl }) });
    const jobPage = client.jobPage.bind(client);
    client.jobPage = query => {
      listed += 1;
      return jobPage(query);
    };
    model = new JobsModel(client);
    await model.start();
  });

  afterAll(async () => {
    model?.dispose();
    await service?.stop();
  });

  it('shows the newest page at once and reads the next one when asked', async () => {
    await until(() => settled(model));
    const newest = [...history].reverse();
    expect(model.total).toBe(1000);
    expect(model.jobs.map(j => j.id)).toEqual(newest.slice(0, 100).map(j => j.id));
    expect(model.hasMore).toBe(true);
    await model.loadMore();
    expect(model.jobs.map(j => j.id)).toEqual(newest.slice(0, 200).map(j => j.id));
  });

  it('filters and sorts on the service', async () => {
    model.setView({ filter: 'sweep failed' });
    const expected = history.filter(j => j.name.startsWith('sweep-lr') && j.phase === 'Failed');
    await until(() => settled(model) && model.total === expected.length);
    expect(model.jobs.map(j => j.id)).toEqual(
      [...expected]
        .reverse()
        .slice(0, 100)
        .map(j => j.id)
    );
    model.setView({ filter: '', sort: 'name' });
    await until(() => settled(model) && model.total === 1000 && model.sort === 'name');
    expect(model.jobs[0].metadata.name).toBe('bert-finetune-0');
    model.setView({ sort: 'created' });
    await until(() => settled(model) && model.jobs[0]?.id === history[history.length - 1].id);
  });

  it('puts a pushed new job first without reading the list again', async () => {
    await until(() => settled(model));
    await new Promise(resolve => setTimeout(resolve, 500)); // the read when the stream opened
    const before = listed;
    const job = await client.createJob({
      name: 'pushed-into-history',
      command: 'echo hi',
      parameters: [],
      environments: {},
      inputs: [],
      outputs: [],
      nodeCount: 1
    });
    await until(() => model.jobs[0]?.id === job.id && model.jobs[0].status.phase === 'Completed');
    expect(model.total).toBe(1001);
    expect(listed).toBe(before);
  });
});
