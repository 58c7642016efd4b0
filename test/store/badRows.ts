import Database from 'better-sqlite3';
import { type Bead, decodeStored } from '../../beads/index.ts';
import type { EntryHandler, EventLog, LogEntry, ReadAllOptions, ReadStreamOptions, SubscribeOptions, Subscription } from '../../store/port.ts';
import { testBead } from '../support/beads.ts';

/**
 * Rows that parse as JSON but whose data does not fit their type, as a
 * hand edit, a bad migration or another build could leave them: each one
 * crashed a reader before stored beads were checked on the way out.
 */
export interface BadRow {
  stream: string;
  bead: unknown;
  /** The field the refusal must name. */
  field: string;
}

function misshapen(stream: string, type: string, data: unknown): unknown {
  return { ...testBead(stream), bead_type: type, data };
}

export function badRows(tag: string): BadRow[] {
  return [
    // The issue's own example: an INTENT whose data is the string "x".
    { stream: `intent-bad-${tag}`, bead: misshapen(`intent-bad-${tag}`, 'INTENT', 'x'), field: 'data' },
    { stream: `heartbeat-bad-${tag}`, bead: misshapen(`heartbeat-bad-${tag}`, 'HEARTBEAT', { status: 'HEALTHY', checks: null, miss_count: 0 }), field: 'data.checks' },
    {
      stream: `position-bad-${tag}`,
      bead: misshapen(`position-bad-${tag}`, 'POSITION', { position_id: `bad-${tag}`, state: 'CLOSED', pair: 'EURUSD', side: 'LONG', quantity: 1000, stop: 1.08, target: 1.09, realised_pnl: '12.5' }),
      field: 'data.realised_pnl',
    },
    {
      stream: `alerts-bad-${tag}`,
      bead: misshapen(`alerts-bad-${tag}`, 'ALERT', { event: 'RAISED', alert_id: 'a', alert_type: 'HOST_DOWN', severity: 'PANIC', message: 'x', dedupe_key: 'k' }),
      field: 'data.severity',
    },
  ];
}

/**
 * Writes rows straight into a SQLite log, past the append path that would
 * refuse them; safe beside a running host (WAL, busy timeout). Returns the
 * position each row got.
 */
export function insertRows(path: string, rows: readonly BadRow[]): number[] {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 10000');
    const insert = db.prepare('INSERT INTO beads (stream, revision, bead_id, bead_type, ts, json) VALUES (?, 0, ?, ?, ?, ?)');
    return rows.map((r) => {
      const b = r.bead as { bead_id: string; bead_type: string; ts: string };
      return Number(insert.run(r.stream, b.bead_id, b.bead_type, b.ts, JSON.stringify(r.bead)).lastInsertRowid);
    });
  } finally {
    db.close();
  }
}

/**
 * The guard removed, in the test only: a read-only EventLog over the same
 * SQLite file that decodes rows the way the store did before stored beads
 * were checked (parse and upcast, nothing else). Enough of the port for the
 * readers the product uses on a log: readAll, readStream, subscribe.
 */
export class UncheckedLog implements EventLog {
  readonly name = 'sqlite' as const;
  readonly atomicAcrossStreams = true;
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true });
  }

  private entries(sql: string, ...params: unknown[]): LogEntry[] {
    const rows = this.db.prepare(sql).raw().all(...params) as [number, string, number, string][];
    return rows.map(([position, stream, revision, json]) => {
      const d = decodeStored(json);
      return d.ok ? { kind: 'bead', position, stream, revision, bead: d.bead as Bead } : { kind: 'corrupt', position, stream, revision, reason: d.reason };
    });
  }

  append(): never {
    throw new Error('UncheckedLog is read-only');
  }
  appendMany(): never {
    throw new Error('UncheckedLog is read-only');
  }
  async readStream(stream: string, _options?: ReadStreamOptions): Promise<LogEntry[]> {
    return this.entries('SELECT position, stream, revision, json FROM beads WHERE stream = ? ORDER BY revision', stream);
  }
  async *readAll(options: ReadAllOptions = {}): AsyncIterable<LogEntry> {
    yield* this.entries('SELECT position, stream, revision, json FROM beads WHERE position > ? ORDER BY position', options.after ?? -1);
  }
  subscribe(handler: EntryHandler, options: SubscribeOptions = {}): Subscription {
    let checkpoint: number | undefined;
    const done = (async () => {
      for await (const entry of this.readAll()) {
        await handler(entry);
        checkpoint = entry.position;
      }
      options.onCaughtUp?.();
    })().catch((err: Error) => options.onError?.(err));
    return {
      get checkpoint() {
        return checkpoint;
      },
      stop: async () => {
        await done;
      },
    };
  }
  async close(): Promise<void> {
    this.db.close();
  }
}
