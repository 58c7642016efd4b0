/**
 * Issue 15: the host reads the log once at start. Every fold it keeps (the
 * dashboard, the broker's facts, the flow's views and order book, the
 * semantic checks, the gates, the promotion's standing) is fed by that one
 * read; a second full read (a fold reading the log on its own, or a
 * subscription from the start) fails this test. After a clean stop, the
 * next start resumes from the checkpoint and reads no full log at all.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { streams } from '../../beads/index.ts';
import { mixChunks } from '../../bench/b2Replay.ts';
import { writeBulkLog } from '../../bench/bulkLog.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { EventLog, LogEntry, ReadAllOptions, SubscribeOptions } from '../../store/port.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { liveHome } from '../support/liveHome.ts';
import { makeTempDir } from '../support/tempDir.ts';

const HISTORY = 3_000;

interface Reads {
  /** readAll with no `after` and no `limit`, and subscriptions from the start: each one reads the whole log. */
  full: string[];
  /** Entries handed out by every readAll. */
  entries: number;
}

/** The real SQLite log, with every read from the start counted (the EventLog port is where any reader must come). */
function counting(log: EventLog): { log: EventLog; reads: Reads } {
  const reads: Reads = { full: [], entries: 0 };
  const counted = Object.create(log) as EventLog;
  counted.readAll = (options: ReadAllOptions = {}) => {
    if (options.after === undefined && options.limit === undefined) reads.full.push(`readAll(${JSON.stringify(options)}) from ${new Error().stack?.split('\n')[2]?.trim()}`);
    const inner = log.readAll(options);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const entry of inner) {
          reads.entries += 1;
          yield entry;
        }
      },
    };
  };
  counted.subscribe = (handler, options: SubscribeOptions = {}) => {
    if (options.after === undefined) reads.full.push(`subscribe from the start, from ${new Error().stack?.split('\n')[2]?.trim()}`);
    return log.subscribe(handler, options);
  };
  return { log: counted, reads };
}

let home: ReturnType<typeof makeTempDir>;
let host: RunningHost | undefined;
let sqlite: SqliteEventLog | undefined;

beforeEach(async () => {
  home = makeTempDir('phoenix-one-read');
  await writeBulkLog(defaultLogPath(home.dir), mixChunks(HISTORY));
});
afterEach(async () => {
  await host?.stop('test over');
  host = undefined;
  await sqlite?.close();
  sqlite = undefined;
  home.remove();
});

const config = () => loadConfig({ PHOENIX_HOME: home.dir, DASHBOARD_PORT: '0', TIME_SCALE: '0.01', LOG_LEVEL: 'silent' });

async function healthyBeat(log: EventLog, after: number, deadlineMs: number): Promise<LogEntry> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const beats = await log.readStream(streams.heartbeat(config().PHOENIX_HOST_ID), { direction: 'backwards', limit: 5 });
    const healthy = beats.find((e) => e.position > after && e.kind === 'bead' && e.bead.bead_type === 'HEARTBEAT' && e.bead.data.status === 'HEALTHY');
    if (healthy) return healthy;
    if (Date.now() > deadline) throw new Error(`no HEALTHY heartbeat within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A host on the log until its first HEALTHY heartbeat; answers the reads it made by then. */
async function startUntilHealthy(): Promise<Reads> {
  sqlite = new SqliteEventLog(defaultLogPath(home.dir));
  const { log, reads } = counting(sqlite);
  host = await startHost({ config: config(), log, clock: systemClock, logger: silentLogger });
  await healthyBeat(sqlite, 0, 20_000);
  const seen = { full: [...reads.full], entries: reads.entries };
  await host.stop('test over');
  host = undefined;
  await sqlite.close();
  sqlite = undefined;
  return seen;
}

describe('issue 15: one read of the log at start', () => {
  it('in LIVE, on a sealed paper history, the live gate is judged from that one read: the host connects and reads the whole log once', async () => {
    const sim: GatewaySimHandle = await startGatewaySim({ account: 'U1234567' });
    try {
      sqlite = new SqliteEventLog(defaultLogPath(home.dir));
      const env = await liveHome(sqlite, home.dir, sim.port);
      const { log, reads } = counting(sqlite);
      const live = loadConfig({ ...env, TIME_SCALE: '0.01', LOG_LEVEL: 'silent', RECONCILE_INTERVAL_S: '3600', APPROVAL_TOKEN_SECRET: 'one-read-live-approval-secret-0123456789' });
      host = await startHost({ config: live, log, clock: systemClock, logger: silentLogger });
      await host.broker.connection.waitFor(['CONNECTED', 'GUARD_FAILED']);
      // Connected: the paper-first guard passed on the gate the host judged from its one read.
      expect(host.broker.connection.state, host.broker.connection.lastReason ?? undefined).toBe('CONNECTED');
      expect(reads.full, `full reads of the log during start-up:\n${reads.full.join('\n')}`).toHaveLength(1);
      expect(reads.entries).toBeGreaterThanOrEqual(HISTORY);
    } finally {
      await host?.stop('test over');
      host = undefined;
      await sim.stop();
    }
  }, 60_000);

  it('a first start reads the whole log once, however many folds the host keeps; after a clean stop the next start reads only the tail', async () => {
    const first = await startUntilHealthy();
    expect(first.full, `full reads of the log during start-up:\n${first.full.join('\n')}`).toHaveLength(1);
    expect(first.entries).toBeGreaterThanOrEqual(HISTORY);

    const second = await startUntilHealthy();
    expect(second.full, `full reads of the log during start-up:\n${second.full.join('\n')}`).toEqual([]);
    // Only what the first host wrote after its last checkpoint, and this host's own start.
    expect(second.entries).toBeLessThan(HISTORY / 10);
  });
});
