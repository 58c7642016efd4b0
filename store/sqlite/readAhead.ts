import { Worker } from 'node:worker_threads';
import type { LogPosition } from '../port.ts';
import { entryOf, type RowPage } from './decode.ts';
import type { Pager } from './pages.ts';

export interface ReadAheadJob {
  path: string;
  /** The page query, `@after`, `@limit` and the filter's parameters: the adapter's own statement text, so both threads read alike. */
  sql: string;
  /** The query's parameters other than `@after` and `@limit`. */
  filter: { types?: string };
  pageSize: number;
  after: LogPosition;
  /** Rows still wanted; -1 for all. */
  limit: number;
  busyTimeoutMs: number;
}

/** A page as the worker packs it (readAheadWorker.mjs). */
interface PackedPage {
  text: Uint8Array;
  ends: Uint32Array;
  positions: Float64Array;
  revisions: Float64Array;
  streamIds: Uint32Array;
  /** 1 where a row's text is not plain ASCII. */
  wide: Uint8Array;
  streams: string[];
  /** Index, tag, index, tag: the page's tagged rows. */
  tags: (number | string)[];
  last: boolean;
}

type Message = PackedPage | { error: string; code?: string };

const NO_ROWS: RowPage = { size: 0, lastPosition: -1, take: () => { throw new RangeError('an empty page has no rows'); } };

/** Buffer's own decoders, which toString calls after checking its arguments: a replay cuts a million rows. */
interface Decoders {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** A packed page as the reader takes it: each row's text is cut from the page's bytes when its turn comes. */
function unpack(page: PackedPage): RowPage {
  const text = Buffer.from(page.text.buffer, page.text.byteOffset, page.text.byteLength) as Buffer & Decoders;
  const { ends, positions, revisions, streamIds, streams, wide } = page;
  const size = ends.length;
  const tags = new Map<number, string>();
  for (let k = 0; k < page.tags.length; k += 2) tags.set(page.tags[k] as number, page.tags[k + 1] as string);
  return {
    size,
    lastPosition: size === 0 ? -1 : positions[size - 1]!,
    take(i) {
      const start = i === 0 ? 0 : ends[i - 1]!;
      return entryOf(positions[i]!, streams[streamIds[i]!]!, revisions[i]!, wide[i] ? text.utf8Slice(start, ends[i]!) : text.latin1Slice(start, ends[i]!), tags.size === 0 ? null : tags.get(i));
    },
  };
}

/** Pages the worker may read before this thread has taken them: about 1 MB of JSON each at the default page size. */
const CREDIT = 4;

/**
 * Reads the log's pages on a worker thread, ahead of the thread that decodes
 * and folds them. On a long replay SQLite's stepping is a third of the cost
 * (B2), and on two cores it overlaps with the parse and the folds instead of
 * adding to them. Only the reading moves: the rows arrive exactly as the
 * in-thread query returns them, and are decoded here.
 *
 * A worker that fails is not the reader's failure: `failure` says why, and the
 * caller reads on in its own thread from the last row it handed out.
 */
export class ReadAheadPages {
  private readonly worker: Worker;
  private readonly pages: { rows: RowPage; packed: PackedPage }[] = [];
  /** The page handed out last: once the reader asks for the next, it is done with this one, and its buffers go back. */
  private reading: PackedPage | undefined;
  private wake: (() => void) | undefined;
  private last = false;
  private stopped = false;
  /** Why the worker stopped short, once it has. */
  failure: string | undefined;

  constructor(job: ReadAheadJob) {
    this.worker = new Worker(new URL('./readAheadWorker.mjs', import.meta.url), { workerData: { ...job, credit: CREDIT } });
    // A replay abandoned half-way must not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (m: Message) => {
      // Once stopped (by the reader, or a failure), a page still in flight belongs to no read.
      if (this.stopped) return;
      if ('error' in m) this.fail(`read-ahead thread: ${m.code ? `${m.code} ` : ''}${m.error}`);
      else {
        this.pages.push({ rows: unpack(m), packed: m });
        if (m.last) this.finish();
      }
      this.notify();
    });
    this.worker.on('error', (err) => this.fail(`read-ahead thread: ${err.message}`));
    this.worker.on('exit', (code) => {
      if (!this.last && !this.stopped) this.fail(`read-ahead thread exited (${code}) before the end of the read`);
    });
  }

  /**
   * The next page, an empty one past the last; undefined when the worker can
   * give no more (it failed, or it was stopped), and the caller must read for itself.
   */
  async next(): Promise<RowPage | undefined> {
    while (this.pages.length === 0 && !this.last && !this.stopped) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    const page = this.pages.shift();
    if (page !== undefined) {
      if (!this.last) this.giveCredit();
      this.reading = page.packed;
      return page.rows;
    }
    return this.last ? NO_ROWS : undefined;
  }

  /** Stops the worker; safe to call more than once. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    // Stopped short, pages still held are dropped: whoever reads on starts from the last row handed out.
    if (!this.last) this.pages.length = 0;
    void this.worker.terminate();
    this.notify();
  }

  /** One more page the worker may read, into the buffers of the page the reader has just finished. */
  private giveCredit(): void {
    const done = this.reading;
    this.reading = undefined;
    if (done === undefined) {
      this.worker.postMessage(null);
      return;
    }
    // The worker made them, as ArrayBuffers (readAheadWorker.mjs buffersFor).
    const spare = { text: done.text.buffer as ArrayBuffer, numbers: done.positions.buffer as ArrayBuffer, small: done.wide.buffer as ArrayBuffer };
    this.worker.postMessage(spare, [spare.text, spare.numbers, spare.small]);
  }

  private finish(): void {
    this.last = true;
    this.stop();
  }

  private fail(reason: string): void {
    if (this.failure !== undefined || this.stopped) return;
    this.failure = reason;
    this.stop();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

export interface ReadAheadPlan {
  /** A page read on the reader's own connection (guarded: throws LogUnavailableError). */
  inThread: (after: LogPosition, want: number) => RowPage;
  /** Rows the log holds after a position, at most: the cheap estimate that decides whether a read is long. */
  rowsAfter: (after: LogPosition) => number;
  /** Rows ahead of a read, at least, before the rest is read on a worker thread; undefined never does. */
  readAheadFrom: number | undefined;
  job: Omit<ReadAheadJob, 'after' | 'limit'>;
  /** Called with each read-ahead started, and again when it is done with, so the adapter can stop it on close. */
  track: (pages: ReadAheadPages, live: boolean) => void;
}

/**
 * The pages of one read. The first page always comes from the reader's own
 * connection, so the many short reads (a stream's tail, a subscription's
 * poll) never start a thread; a read with `readAheadFrom` rows or more still
 * ahead of it goes on with a worker reading ahead.
 */
export function readAheadPager(plan: ReadAheadPlan): Pager {
  let ahead: ReadAheadPages | undefined;
  let firstPage = true;
  const drop = () => {
    if (!ahead) return;
    ahead.stop();
    plan.track(ahead, false);
    ahead = undefined;
  };
  const fromThread = (after: LogPosition, want: number, remaining: number): RowPage => {
    const rows = plan.inThread(after, want);
    const long = plan.readAheadFrom !== undefined && firstPage && rows.size === want;
    firstPage = false;
    if (long) {
      const cursor = rows.lastPosition;
      const left = remaining - rows.size;
      if (Math.min(left, plan.rowsAfter(cursor)) >= Math.max(1, plan.readAheadFrom!)) {
        ahead = new ReadAheadPages({ ...plan.job, after: cursor, limit: Number.isFinite(left) ? left : -1 });
        plan.track(ahead, true);
      }
    }
    return rows;
  };
  return {
    page(after, want, remaining) {
      const pages = ahead;
      if (!pages) return fromThread(after, want, remaining);
      return pages.next().then((page) => {
        if (page !== undefined) return page;
        // The worker stopped short: read on here, from the last row handed out.
        if (pages.failure !== undefined) process.emitWarning(`${pages.failure}; reading on without it`, 'PhoenixReadAhead');
        drop();
        return plan.inThread(after, want);
      });
    },
    close: drop,
  };
}
