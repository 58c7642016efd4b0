// The read-ahead thread of a long SQLite replay (see readAhead.ts). Plain
// JavaScript on purpose: a worker thread does not inherit the TypeScript
// loader, and this file only steps a query and hands the rows over.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ path: string, sql: string, filter: Record<string, string>, pageSize: number, after: number, limit: number, busyTimeoutMs: number, credit: number }} */
const job = workerData;
let cursor = job.after;
let remaining = job.limit < 0 ? Number.POSITIVE_INFINITY : job.limit;
let credit = job.credit;
let finished = false;
let db;

function fail(err) {
  finished = true;
  parentPort.postMessage({ error: err instanceof Error ? err.message : String(err), code: err?.code });
  db?.close();
}

// Reads while the reader has room for more pages; each page is its own read
// transaction, as on the reader's own connection, so a long replay never pins
// the WAL.
function pump() {
  try {
    while (credit > 0 && !finished) {
      const want = Math.min(job.pageSize, remaining);
      const rows = want > 0 ? page.all({ ...job.filter, after: cursor, limit: want }) : [];
      credit -= 1;
      remaining -= rows.length;
      if (rows.length > 0) cursor = rows[rows.length - 1][0];
      finished = rows.length < want || remaining <= 0;
      const packed = pack(rows);
      // ends and streamIds share the numbers' buffer with positions, and wide has its own: three buffers to move.
      parentPort.postMessage({ ...packed, last: finished }, [packed.text.buffer, packed.positions.buffer, packed.wide.buffer]);
    }
    if (finished) db?.close();
  } catch (err) {
    fail(err);
  }
}

/**
 * Buffers of pages the reader has handed back. A replay goes through a few
 * hundred megabytes of pages: fresh buffers each time cost this thread a
 * page fault per 4 kB, and the reader's heap a collection per few pages for
 * memory it no longer holds; the same few buffers going round cost neither.
 */
const spares = [];

/** A page's buffers, a spare's where it is big enough; each array is cut to the page's own length. */
function buffersFor(rows, bytes) {
  const spare = spares.pop();
  const fits = (buffer, length) => buffer !== undefined && buffer.byteLength >= length;
  const n = rows * 8;
  // A new text buffer has room for a page a quarter bigger, so the next pages fit in it.
  const textBuffer = fits(spare?.text, bytes) ? spare.text : new ArrayBuffer(Math.ceil(bytes * 1.25));
  const numbers = fits(spare?.numbers, n * 3) ? spare.numbers : new ArrayBuffer(n * 3);
  const small = fits(spare?.small, rows) ? spare.small : new ArrayBuffer(rows);
  return {
    text: Buffer.from(textBuffer, 0, bytes),
    positions: new Float64Array(numbers, 0, rows),
    revisions: new Float64Array(numbers, n, rows),
    ends: new Uint32Array(numbers, 2 * n, rows),
    streamIds: new Uint32Array(numbers, 2 * n + rows * 4, rows),
    wide: new Uint8Array(small, 0, rows).fill(0),
  };
}

// Rows go over as bytes in transferred buffers, not as an array of strings:
// cloning strings costs the reading thread about as much as parsing them.
function pack(rows) {
  let bytes = 0;
  for (const row of rows) bytes += Buffer.byteLength(row[3]);
  // Rows that are not plain ASCII (a reason typed with an accent) are marked wide, decoded as UTF-8; the rest as bytes, which is cheaper.
  const { text, ends, positions, revisions, streamIds, wide } = buffersFor(rows.length, bytes);
  const streams = [];
  const streamId = new Map();
  // Tagged rows are few (a host's beads sealed at once): their index and tag, cloned with the message.
  const tags = [];
  let offset = 0;
  for (let i = 0; i < rows.length; i++) {
    const [position, stream, revision, json, tag] = rows[i];
    if (tag !== null) tags.push(i, tag);
    positions[i] = position;
    revisions[i] = revision;
    let id = streamId.get(stream);
    if (id === undefined) {
      id = streams.push(stream) - 1;
      streamId.set(stream, id);
    }
    streamIds[i] = id;
    const written = text.utf8Write(json, offset);
    if (written !== json.length) wide[i] = 1;
    offset += written;
    ends[i] = offset;
  }
  return { text, ends, positions, revisions, streamIds, wide, streams, tags };
}

let page;
try {
  db = new Database(job.path, { readonly: true, fileMustExist: true });
  db.pragma(`busy_timeout = ${job.busyTimeoutMs}`);
  page = db.prepare(job.sql).raw();
  // Each message is one more page of credit, with the buffers of a page the reader is done with.
  parentPort.on('message', (returned) => {
    credit += 1;
    if (returned) spares.push(returned);
    pump();
  });
  pump();
} catch (err) {
  fail(err);
}
