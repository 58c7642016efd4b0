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
      parentPort.postMessage({ ...packed, last: finished }, [packed.text.buffer, packed.ends.buffer, packed.positions.buffer, packed.revisions.buffer, packed.streamIds.buffer, packed.wide.buffer]);
    }
    if (finished) db?.close();
  } catch (err) {
    fail(err);
  }
}

// Rows go over as bytes in transferred buffers, not as an array of strings:
// cloning strings costs the reading thread about as much as parsing them.
function pack(rows) {
  // Sized exactly: a host starting on a big log runs several of these reads at once, each a few pages ahead.
  let bytes = 0;
  for (const row of rows) bytes += Buffer.byteLength(row[3]);
  const text = Buffer.allocUnsafeSlow(bytes);
  const ends = new Uint32Array(rows.length);
  const positions = new Float64Array(rows.length);
  const revisions = new Float64Array(rows.length);
  const streamIds = new Uint32Array(rows.length);
  // Rows that are not plain ASCII (a reason typed with an accent), decoded as UTF-8; the rest as bytes, which is cheaper.
  const wide = new Uint8Array(rows.length);
  const streams = [];
  const streamId = new Map();
  let offset = 0;
  for (let i = 0; i < rows.length; i++) {
    const [position, stream, revision, json] = rows[i];
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
  return { text, ends, positions, revisions, streamIds, wide, streams };
}

let page;
try {
  db = new Database(job.path, { readonly: true, fileMustExist: true });
  db.pragma(`busy_timeout = ${job.busyTimeoutMs}`);
  page = db.prepare(job.sql).raw();
  parentPort.on('message', (more) => {
    credit += more;
    pump();
  });
  pump();
} catch (err) {
  fail(err);
}
