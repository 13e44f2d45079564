#!/usr/bin/env node
/*
 * Object storage transfers, side by side in one run against the same s3rver:
 * Atelier (the service's workspace <-> storage transfers) vs `aws s3` (awscli) vs
 * `rclone`, plus a minimal client (one SDK PutObject/GetObject stream) as the server's own
 * ceiling. Each tool runs --rounds times per workload (in rotating order); prints the median
 * seconds per workload and tool, Atelier's ratios to each peer, and s3rver's CPU time.
 *
 *   node bench/storage.js [--big-mib 1024] [--files 5000] [--file-kib 4] [--list-keys 100000] [--rounds 3]
 *                         [--only big,small,list] [--compare <checkout>]
 *   node bench/storage.js --quick     (64 MiB, 500 files, 5000 keys, one round)
 *
 * The big file comes down twice: the object Atelier wrote (with its CRC-32, so ranges checked
 * by CRC), and the one the minimal client put with one PutObject (a foreign object: no
 * Atelier metadata, the ETag its MD5, so ranges checked by an MD5 computed in order).
 *
 * --compare <checkout>: the big file's downloads also go through the service compiled in
 * another checkout (a git worktree at an earlier commit, built there), as the tool 'before',
 * interleaved with the others in the same run: a change measured side by side on a busy
 * machine.
 *
 * Needs a build (scripts/setup.sh), and Debian's awscli and rclone for those peers: a peer
 * that is not installed is skipped, with the reason printed.
 */
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');

const root = path.resolve(__dirname, '..');
const { requireTypeScript } = require('./lib/typescript');
/** The tests' way of starting Atelier (server/test/support/atelier.ts), on the compiled service. */
const support = () => requireTypeScript(path.join(root, 'server/test/support/atelier.ts'));
const { median } = require('./lib/http');

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    'big-mib': { type: 'string' },
    files: { type: 'string' },
    'file-kib': { type: 'string' },
    'list-keys': { type: 'string' },
    rounds: { type: 'string' },
    only: { type: 'string' },
    compare: { type: 'string' }
  }
});
const quick = !!values.quick;
const BIG_MIB = Number(values['big-mib'] ?? (quick ? 64 : 1024));
const FILES = Number(values.files ?? (quick ? 500 : 5000));
const FILE_KIB = Number(values['file-kib'] ?? 4);
const LIST_KEYS = Number(values['list-keys'] ?? (quick ? 5000 : 100000));
const ROUNDS = Number(values.rounds ?? (quick ? 1 : 3));
const BUCKET = 'bench';
/** Which groups of workloads run: the big file up and down, the small files, the listing. */
const ONLY = new Set((values.only ?? 'big,small,list').split(','));
const groupOf = workload => (workload.startsWith('list') ? 'list' : workload.includes(' files ') ? 'small' : 'big');
/** The width of the workload column. */
const WIDTH = 30;

const {
  AWS,
  RCLONE,
  skipped,
  startS3rver,
  stopwatch,
  api,
  atelierTransfer,
  writeRandomFile,
  dirSize
} = require('./lib/storage');
const clock = stopwatch();
const time = fn => clock.time(fn);

process.on('uncaughtException', e => {
  console.error(`bench/storage: ${e.stack || e}`);
  process.exit(1);
});

async function main() {
  for (const [tool, why] of Object.entries(skipped)) {
    console.error(`${tool} not measured: ${why}`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-storage-'));
  const workspace = path.join(tmp, 'work');
  fs.mkdirSync(path.join(workspace, 'small'), { recursive: true });
  const s3 = await startS3rver(path.join(tmp, 's3rver'), BUCKET);
  clock.serverPid = s3.child.pid;
  const credentials = path.join(tmp, 'credentials.json');
  fs.writeFileSync(credentials, JSON.stringify({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }), { mode: 0o600 });
  const atelier = await (
    await support()
  ).startSidecar(
    { 'storage.endpoints': [{ id: 's3', endpoint: s3.endpoint, credentials: { file: credentials } }] },
    {},
    { root: tmp }
  );
  const base = atelier.api.replace(/atelier\/api\/v1\/$/, '');
  // The service of another checkout, on a state of its own, where asked for.
  let before = null;
  if (values.compare) {
    const checkout = path.resolve(values.compare);
    const { requireTypeScript: requireThere } = require(path.join(checkout, 'bench/lib/typescript'));
    const there = await requireThere(path.join(checkout, 'server/test/support/atelier.ts'));
    const beforeRoot = path.join(tmp, 'before');
    fs.mkdirSync(beforeRoot);
    before = await there.startSidecar(
      { 'storage.endpoints': [{ id: 's3', endpoint: s3.endpoint, credentials: { file: credentials } }] },
      {},
      { root: beforeRoot }
    );
    before.base = before.api.replace(/atelier\/api\/v1\/$/, '');
  }
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_DEFAULT_REGION: 'us-east-1'
  };
  delete env.AWS_CA_BUNDLE;
  const aws = args =>
    execFileSync(AWS, ['--endpoint-url', s3.endpoint, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 30
    });
  const rcloneArgs = [
    '--s3-provider',
    'Other',
    '--s3-endpoint',
    s3.endpoint,
    '--s3-access-key-id',
    'S3RVER',
    '--s3-secret-access-key',
    'S3RVER',
    '--s3-region',
    'us-east-1'
  ];
  const rclone = args =>
    execFileSync(RCLONE, [...args, ...rcloneArgs], { env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 30 });

  // The minimal client: one SDK stream per object, no checks (the server's ceiling).
  const { S3Client, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
  const sdk = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED'
  });
  /** Puts every file of `names` in `dir` under `prefix`, eight at a time. */
  const sdkPutAll = async (dir, names, prefix) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < names.length) {
          const name = names[next++];
          await sdk.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `${prefix}${name}`,
              Body: fs.readFileSync(path.join(dir, name))
            })
          );
        }
      })
    );
  };

  console.error(`preparing: ${BIG_MIB} MiB file, ${FILES} × ${FILE_KIB} KiB files, ${LIST_KEYS} keys to list`);
  const big = path.join(workspace, 'big.bin');
  writeRandomFile(big, BIG_MIB * 1024 * 1024);
  for (let i = 0; i < (ONLY.has('small') ? FILES : 0); i++) {
    fs.writeFileSync(
      path.join(workspace, 'small', `f-${String(i).padStart(6, '0')}.bin`),
      crypto.randomBytes(FILE_KIB * 1024)
    );
  }

  const results = [];
  const row = (workload, tool, seconds, serverCpu, rounds) => {
    results.push({ workload, tool, seconds, serverCpu });
    console.error(
      `  ${workload.padEnd(WIDTH)} ${tool.padEnd(10)} ${seconds.toFixed(2)} s   (s3rver CPU ${serverCpu.toFixed(2)} s)   median of ${rounds}`
    );
  };
  const check = (ok, what) => {
    if (!ok) {
      throw new Error(`verification failed: ${what}`);
    }
  };
  /**
   * Runs each tool ROUNDS times, the order rotating from round to round so that no tool always
   * follows the same one, and records the median wall time (and s3rver CPU) of each. `after`
   * (checks, clean-up) runs outside the timing. Skipped peers are left out.
   */
  const measure = async (workload, allTools, rounds = ROUNDS) => {
    if (!ONLY.has(groupOf(workload))) {
      return;
    }
    const tools = allTools.filter(t => !skipped[t.tool]);
    const samples = new Map(tools.map(t => [t.tool, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < tools.length; i++) {
        const t = tools[(i + round) % tools.length];
        const seconds = await time(t.run);
        samples.get(t.tool).push({ seconds, cpu: clock.lastServerCpu });
        console.error(
          `    ${workload} ${t.tool} round ${round + 1}: ${seconds.toFixed(2)} s (s3rver CPU ${clock.lastServerCpu.toFixed(2)} s)`
        );
        await t.after?.();
      }
    }
    for (const t of tools) {
      row(
        workload,
        t.tool,
        median(samples.get(t.tool).map(x => x.seconds)),
        median(samples.get(t.tool).map(x => x.cpu)),
        rounds
      );
    }
  };
  const bigBytes = BIG_MIB * 1024 * 1024;

  // (a) one big file, up then down. The server writes each upload twice (parts, then the
  // assembled object), and each download is removed before the next run: scratch files as
  // large are written and removed first, so that every run writes into memory the system has
  // used before (on a virtual machine, memory touched for the first time costs several times
  // more to write into).
  for (let i = 0; i < 3; i++) {
    writeRandomFile(path.join(tmp, 'scratch.bin'), bigBytes);
    fs.rmSync(path.join(tmp, 'scratch.bin'));
  }
  await measure(`1 × ${BIG_MIB} MiB up`, [
    {
      tool: 'ceiling',
      run: () =>
        sdk.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: 'ceiling/big.bin',
            Body: fs.createReadStream(big),
            ContentLength: bigBytes
          })
        )
    },
    {
      tool: 'atelier',
      run: () =>
        atelierTransfer(base, {
          direction: 'to-storage',
          endpoint: 's3',
          bucket: BUCKET,
          key: 'atelier/big.bin',
          path: 'big.bin'
        })
    },
    { tool: 'awscli', run: () => aws(['s3', 'cp', '--only-show-errors', big, `s3://${BUCKET}/awscli/big.bin`]) },
    // --no-check-dest: upload again in every round instead of finding the object already there.
    { tool: 'rclone', run: () => rclone(['copyto', '--no-check-dest', big, `:s3:${BUCKET}/rclone/big.bin`]) }
  ]);

  const downloaded = (file, tool) => () => {
    check(fs.statSync(file).size === bigBytes, `${tool} big download size`);
    fs.rmSync(file);
  };
  /**
   * The big file down, from `prefix`/big.bin: Atelier's copy to the workspace vs the peers'
   * downloads of the same object, and the minimal client's (one GetObject stream, unchecked).
   */
  const bigDown = (workload, prefix) =>
    measure(workload, [
      {
        tool: 'ceiling',
        run: async () => {
          const out = await sdk.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}/big.bin` }));
          await new Promise((resolve, reject) =>
            out.Body.pipe(fs.createWriteStream(path.join(tmp, 'ceiling.bin')))
              .on('finish', resolve)
              .on('error', reject)
          );
        },
        after: downloaded(path.join(tmp, 'ceiling.bin'), 'ceiling')
      },
      {
        tool: 'atelier',
        run: () =>
          atelierTransfer(base, {
            direction: 'to-workspace',
            endpoint: 's3',
            bucket: BUCKET,
            key: `${prefix}/big.bin`,
            path: 'down/atelier.bin'
          }),
        after: downloaded(path.join(workspace, 'down/atelier.bin'), 'atelier')
      },
      ...(before
        ? [
            {
              tool: 'before',
              run: () =>
                atelierTransfer(before.base, {
                  direction: 'to-workspace',
                  endpoint: 's3',
                  bucket: BUCKET,
                  key: `${prefix}/big.bin`,
                  path: 'down/before.bin'
                }),
              after: downloaded(path.join(before.workspace, 'down/before.bin'), 'before')
            }
          ]
        : []),
      {
        tool: 'awscli',
        run: () =>
          aws(['s3', 'cp', '--only-show-errors', `s3://${BUCKET}/${prefix}/big.bin`, path.join(tmp, 'awscli.bin')]),
        after: downloaded(path.join(tmp, 'awscli.bin'), 'awscli')
      },
      {
        tool: 'rclone',
        run: () => rclone(['copyto', `:s3:${BUCKET}/${prefix}/big.bin`, path.join(tmp, 'rclone.bin')]),
        after: downloaded(path.join(tmp, 'rclone.bin'), 'rclone')
      }
    ]);
  // The object Atelier wrote: its CRC-32 is stored with it.
  await bigDown(`1 × ${BIG_MIB} MiB down, Atelier's`, 'atelier');
  // The object the minimal client put (one PutObject): no Atelier metadata, its ETag its MD5.
  await bigDown(`1 × ${BIG_MIB} MiB down, foreign`, 'ceiling');

  // (b) many small files, up then down.
  const smallDir = path.join(workspace, 'small');
  const names = fs.readdirSync(smallDir);
  await measure(`${FILES} files × ${FILE_KIB} KiB up`, [
    { tool: 'ceiling', run: () => sdkPutAll(smallDir, names, 'ceiling/small/') },
    {
      tool: 'atelier',
      run: () =>
        atelierTransfer(base, {
          direction: 'to-storage',
          endpoint: 's3',
          bucket: BUCKET,
          key: 'atelier/small/',
          path: 'small'
        })
    },
    {
      tool: 'awscli',
      run: () => aws(['s3', 'cp', '--only-show-errors', '--recursive', smallDir, `s3://${BUCKET}/awscli/small/`])
    },
    { tool: 'rclone', run: () => rclone(['copy', '--no-check-dest', smallDir, `:s3:${BUCKET}/rclone/small/`]) }
  ]);

  const downloadedAll = (dir, tool) => () => {
    check(dirSize(dir).count === FILES, `${tool} small download count`);
    fs.rmSync(dir, { recursive: true });
  };
  await measure(`${FILES} files × ${FILE_KIB} KiB down`, [
    {
      tool: 'atelier',
      run: () =>
        atelierTransfer(base, {
          direction: 'to-workspace',
          endpoint: 's3',
          bucket: BUCKET,
          key: 'atelier/small/',
          path: 'down-small'
        }),
      after: downloadedAll(path.join(workspace, 'down-small'), 'atelier')
    },
    {
      tool: 'awscli',
      run: () =>
        aws([
          's3',
          'cp',
          '--only-show-errors',
          '--recursive',
          `s3://${BUCKET}/awscli/small/`,
          path.join(tmp, 'awscli-small')
        ]),
      after: downloadedAll(path.join(tmp, 'awscli-small'), 'awscli')
    },
    {
      tool: 'rclone',
      run: () => rclone(['copy', `:s3:${BUCKET}/rclone/small/`, path.join(tmp, 'rclone-small')]),
      after: downloadedAll(path.join(tmp, 'rclone-small'), 'rclone')
    }
  ]);

  // (c) listing many keys: seed them (with rclone, quickest; else the minimal client), then
  // list them all.
  if (ONLY.has('list')) {
    const listDir = path.join(tmp, 'list');
    fs.mkdirSync(listDir);
    const keys = [];
    for (let i = 0; i < LIST_KEYS; i++) {
      keys.push(`k-${String(i).padStart(7, '0')}`);
      fs.writeFileSync(path.join(listDir, keys[i]), '');
    }
    console.error(`  seeding ${LIST_KEYS} keys…`);
    if (RCLONE) {
      rclone(['copy', '--transfers', '8', '--checkers', '8', listDir, `:s3:${BUCKET}/list/`]);
    } else {
      await sdkPutAll(listDir, keys, 'list/');
    }
  }

  // The minimal client is done; an idle connection of it must not outlive the server's load.
  sdk.destroy();
  await measure(
    `list ${LIST_KEYS} keys`,
    [
      {
        tool: 'atelier',
        run: async () => {
          let token;
          let count = 0;
          do {
            const page = await api(
              base,
              `storage/endpoints/s3/buckets/${BUCKET}/objects?prefix=list/&delimiter=&limit=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`
            );
            count += page.objects.length;
            token = page.nextToken;
          } while (token);
          check(count === LIST_KEYS, `atelier listed ${count} keys`);
        }
      },
      { tool: 'awscli', run: () => aws(['s3', 'ls', `s3://${BUCKET}/list/`]) },
      { tool: 'rclone', run: () => rclone(['lsf', `:s3:${BUCKET}/list/`]) }
      // A long listing varies little from run to run: one round of it.
    ],
    LIST_KEYS >= 20000 ? 1 : ROUNDS
  );

  await atelier.close(true);
  await before?.close(true);
  s3.child.kill();
  fs.rmSync(tmp, { recursive: true, force: true });

  // Report.
  const workloads = [...new Set(results.map(r => r.workload))];
  const get = (w, t) => results.find(r => r.workload === w && r.tool === t)?.seconds;
  console.log(
    `Object storage transfers against one s3rver (${os.cpus().length} CPUs, ${new Date().toISOString()}; medians of ${ROUNDS} rounds)`
  );
  for (const [tool, why] of Object.entries(skipped)) {
    console.log(`${tool} not measured: ${why}`);
  }
  console.log(
    `${'workload'.padEnd(WIDTH)}   atelier    awscli    rclone   ceiling   atelier/awscli  atelier/rclone  atelier/ceiling${before ? '     before  atelier/before' : ''}`
  );
  for (const w of workloads) {
    const a = get(w, 'atelier');
    const cells = ['atelier', 'awscli', 'rclone', 'ceiling'].map(t =>
      (get(w, t) === undefined ? '—' : `${get(w, t).toFixed(2)} s`).padStart(9)
    );
    const ratio = t => (get(w, t) === undefined ? '—' : (a / get(w, t)).toFixed(2));
    const compared = before
      ? `   ${(get(w, 'before') === undefined ? '—' : `${get(w, 'before').toFixed(2)} s`).padStart(8)}  ${ratio('before').padStart(14)}`
      : '';
    console.log(
      `${w.padEnd(WIDTH)} ${cells.join(' ')}   ${ratio('awscli').padStart(14)}  ${ratio('rclone').padStart(14)}  ${ratio('ceiling').padStart(15)}${compared}`
    );
  }
  // The server's own CPU time bounds every client: a wall time below it needs the server's
  // work to spread over more than one core.
  const cpu = (w, t) => results.find(r => r.workload === w && r.tool === t)?.serverCpu;
  console.log('\ns3rver CPU seconds during each run');
  const cpuTools = ['atelier', 'awscli', 'rclone', 'ceiling', ...(before ? ['before'] : [])];
  console.log(`${'workload'.padEnd(WIDTH)} ${cpuTools.map(t => t.padStart(9)).join(' ')}`);
  for (const w of workloads) {
    const cells = cpuTools.map(t => (cpu(w, t) === undefined ? '—' : `${cpu(w, t).toFixed(2)} s`).padStart(9));
    console.log(`${w.padEnd(WIDTH)} ${cells.join(' ')}`);
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
