/**
 * A long history of training jobs: `count` finished job records written as the service writes
 * them ({dataDir}/jobs/<id>/job.json, with a small log), names, flavors, phases and submit
 * times spread as a user's months of work would be. For the jobs history tests and the
 * history run of bench/jobs.js.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const NAMES = ['train-resnet', 'sweep-lr', 'bert-finetune', 'etl-nightly', 'eval-holdout', 'yolo-v8', 'xgb-cv'];
const FLAVORS = [
  { id: 'cpu.2u8g', name: 'CPU 2 vCPUs 8 GiB', cpus: 2, memoryMiB: 8192, gpus: 0, selectable: true },
  { id: 'cpu.8u32g', name: 'CPU 8 vCPUs 32 GiB', cpus: 8, memoryMiB: 32768, gpus: 0, selectable: true }
];
/** Three in five complete, one fails, one is stopped. */
const ENDINGS: Array<[string, number | undefined, string | undefined]> = [
  ['Completed', 0, undefined],
  ['Completed', 0, undefined],
  ['Completed', 0, undefined],
  ['Failed', 1, 'The program exited with code 1.'],
  ['Stopped', undefined, 'Stopped by the user.']
];

export interface IHistoryJob {
  id: string;
  name: string;
  phase: string;
  flavorId: string;
  createdAt: string;
}

/** The i-th of `count` records, submitted over the 180 days before `now`, oldest first. */
function record(i: number, count: number, now: number): Record<string, any> {
  const created = new Date(now - ((count - i) / count) * 180 * 86400e3);
  const day = created.toISOString().slice(0, 10).replace(/-/g, '');
  const id = `${day}-${crypto.randomBytes(4).toString('hex')}`;
  const name = `${NAMES[i % NAMES.length]}-${Math.floor(i / NAMES.length)}`;
  const flavor = FLAVORS[i % FLAVORS.length];
  const [phase, exitCode, reason] = ENDINGS[i % ENDINGS.length];
  const started = new Date(created.getTime() + 2000);
  const finished = new Date(started.getTime() + (30 + (i % 600)) * 1000);
  const at = (d: Date) => d.toISOString();
  return {
    id,
    kind: 'job',
    metadata: { name, createdAt: at(created) },
    spec: {
      name,
      bootFile: 'project/train.py',
      parameters: [
        { name: 'lr', value: String(0.001 * (1 + (i % 10))) },
        { name: 'epochs', value: String(10 + (i % 5)) }
      ],
      environments: {},
      inputs: [{ name: 'data', uri: 's3://datasets/imagenet-mini/' }],
      outputs: [{ name: 'model', uri: `s3://models/${name}/` }],
      flavorId: flavor.id,
      nodeCount: 1
    },
    flavor,
    executor: 'local',
    stage: 'done',
    program: { bootFile: 'train.py' },
    status: {
      phase,
      message: phase,
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(reason ? { reason } : {}),
      startedAt: at(started),
      finishedAt: at(finished),
      duration: 0,
      timeline: [
        { phase: 'Pending', at: at(created) },
        { phase: 'Running', at: at(started) },
        { phase, at: at(finished), ...(reason ? { message: reason } : {}) }
      ],
      externalId: String(10000 + i)
    }
  };
}

/** Writes `count` finished job records under `dataDir`; resolves with them, oldest first. */
export async function writeHistory(dataDir: string, count: number): Promise<IHistoryJob[]> {
  const jobs = path.join(dataDir, 'jobs');
  fs.mkdirSync(jobs, { recursive: true, mode: 0o700 });
  const now = Date.now();
  const written: IHistoryJob[] = [];
  const log = 'epoch 1: loss=0.9 acc=0.41\nepoch 2: loss=0.5 acc=0.77\n'.repeat(20);
  const BATCH = 256;
  for (let start = 0; start < count; start += BATCH) {
    const batch: Array<Promise<void>> = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const r = record(i, count, now);
      written.push({
        id: r.id,
        name: r.metadata.name,
        phase: r.status.phase,
        flavorId: r.flavor.id,
        createdAt: r.metadata.createdAt
      });
      batch.push(
        (async () => {
          const dir = path.join(jobs, r.id);
          await fs.promises.mkdir(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
          await fs.promises.writeFile(path.join(dir, 'job.json'), JSON.stringify(r), { mode: 0o600 });
          await fs.promises.writeFile(path.join(dir, 'logs', 'output.log'), log, { mode: 0o600 });
        })()
      );
    }
    await Promise.all(batch);
  }
  return written;
}
