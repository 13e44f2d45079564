/**
 * Hashes (MD5 of a download, say) computed on a worker thread, so that the service's thread
 * goes on moving bytes meanwhile: MD5 runs at about 700 MB/s on one core here, and on the
 * service's thread it held up the ranges of the very download it checked.
 *
 * One thread serves every hash (it starts with the first and does not keep the process
 * alive). Pieces go to it as ArrayBuffers that are transferred, not copied, and come back once
 * hashed, to be filled again. Should the thread fail, every hash under way fails with the
 * reason, and the next hash starts a new thread.
 */
import { Worker } from 'worker_threads';

/** The thread: one hash per id, pieces hashed in the order they come. */
const SOURCE = `
const { parentPort } = require('worker_threads');
const crypto = require('crypto');
const hashes = new Map();
parentPort.on('message', m => {
  try {
    if (m.op === 'update') {
      let hash = hashes.get(m.id);
      if (!hash) {
        hash = crypto.createHash(m.algorithm);
        hashes.set(m.id, hash);
      }
      hash.update(new Uint8Array(m.buffer, 0, m.length));
      parentPort.postMessage({ seq: m.seq, buffer: m.buffer }, [m.buffer]);
    } else if (m.op === 'digest') {
      const hash = hashes.get(m.id) || crypto.createHash(m.algorithm);
      hashes.delete(m.id);
      parentPort.postMessage({ seq: m.seq, hex: hash.digest('hex') });
    } else {
      hashes.delete(m.id);
    }
  } catch (e) {
    hashes.delete(m.id);
    parentPort.postMessage({ seq: m.seq, error: String((e && e.message) || e) });
  }
});
`;

interface IReply {
  seq: number;
  buffer?: ArrayBuffer;
  hex?: string;
  error?: string;
}

type Waiter = { resolve(reply: IReply): void; reject(error: Error): void };

let thread: { worker: Worker; waiting: Map<number, Waiter> } | null = null;
let seq = 0;
let ids = 0;

function ask(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<IReply> {
  if (!thread) {
    const worker = new Worker(SOURCE, { eval: true });
    const waiting = new Map<number, Waiter>();
    const current = { worker, waiting };
    const fail = (error: Error) => {
      if (thread === current) {
        thread = null;
      }
      for (const waiter of waiting.values()) {
        waiter.reject(error);
      }
      waiting.clear();
    };
    worker.on('message', (reply: IReply) => {
      const waiter = waiting.get(reply.seq);
      waiting.delete(reply.seq);
      if (waiting.size === 0) {
        worker.unref();
      }
      if (reply.error !== undefined) {
        waiter?.reject(new Error(reply.error));
      } else {
        waiter?.resolve(reply);
      }
    });
    worker.on('error', e => fail(new Error(`The hash thread failed: ${e.message}`)));
    worker.on('exit', code => fail(new Error(`The hash thread ended (exit code ${code}).`)));
    worker.unref();
    thread = current;
  }
  const { worker, waiting } = thread;
  const at = ++seq;
  return new Promise<IReply>((resolve, reject) => {
    waiting.set(at, { resolve, reject });
    // Waited for: the thread keeps the process alive until it answers.
    worker.ref();
    worker.postMessage({ ...message, seq: at }, transfer);
  });
}

export class ThreadHash {
  constructor(private readonly _algorithm = 'md5') {}

  /**
   * Hashes the first `length` bytes of `buffer`, which goes to the thread (it is unusable
   * here meanwhile); resolves with it back once they are hashed. Pieces are hashed in the
   * order of the calls.
   */
  async update(buffer: ArrayBuffer, length: number): Promise<ArrayBuffer> {
    const reply = await ask({ op: 'update', id: this._id, algorithm: this._algorithm, buffer, length }, [buffer]);
    return reply.buffer!;
  }

  /** The digest (hex) of all the pieces, once each is hashed; the hash is then over. */
  async digest(): Promise<string> {
    const reply = await ask({ op: 'digest', id: this._id, algorithm: this._algorithm });
    return reply.hex!;
  }

  /** Lets the hash go without a digest (its thread forgets it). */
  drop(): void {
    thread?.worker.postMessage({ op: 'drop', id: this._id, seq: 0 });
  }

  private readonly _id = ++ids;
}
