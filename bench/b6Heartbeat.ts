import { join } from 'node:path';
import { createActor } from 'xstate';
import { type Bead, type BeadDraft, stamp, streams } from '../beads/index.ts';
import { BeadWriter } from '../runtime/beadWriter.ts';
import { ActorRegistry } from '../actors/monitor/actorRegistry.ts';
import { sampleProbes } from '../actors/monitor/heartbeatActor.ts';
import { SemanticMonitor } from '../actors/monitor/semanticMonitor.ts';
import { TickTracker } from '../actors/monitor/tickTracker.ts';
import { heartbeatMachine, type HeartbeatEmitted } from '../machines/heartbeat.ts';
import { uuidV7Ids } from '../store/ids.ts';
import { SqliteEventLog } from '../store/sqlite.ts';
import { writeBulkLog } from './bulkLog.ts';
import { nowMs } from './stats.ts';
import type { Measure } from './table.ts';

/**
 * B6 (S13): a heartbeat check must cost the same on a 1M-bead log as on a
 * 1k-bead log (≤ 1.5×). The check is what the host does every beat: sample
 * the probes (actor registry, connection getter, the semantic projection kept
 * current from the log), step the heartbeat machine, and append its HEARTBEAT
 * bead to the SQLite log. Both logs hold the same day-in-the-life story (whole
 * trades opened and closed, reconciliations, heartbeats) and end in the same
 * state, one position open; only their length differs.
 */

const HOST = 'phoenix-b6';
const START_MS = Date.parse('2026-11-01T00:00:00.000Z');
const SIZES = [1_000, 1_000_000];
const CHUNK = 10_000;
const WARMUP = 300;
const CHECKS_IN_MEMORY = 20_000;
const CHECKS_WITH_APPEND = 1_500;
const ROUNDS = 2;

const pos = (id: string, state: 'SUBMITTED' | 'FILLED' | 'MANAGED' | 'CLOSED'): BeadDraft => ({
  bead_type: 'POSITION',
  stream: streams.position(id),
  correlation_id: id,
  data: { position_id: id, state, pair: 'EURUSD', side: 'LONG', quantity: 20000, avg_price: 1.0821, stop: 1.0801, target: 1.0862 },
});
const order = (ref: string, positionId: string, data: Partial<Extract<BeadDraft, { bead_type: 'ORDER' }>['data']>): BeadDraft => ({
  bead_type: 'ORDER',
  stream: streams.order(ref),
  correlation_id: positionId,
  data: { event: 'STATUS', order_ref: ref, position_id: positionId, pair: 'EURUSD', ...data },
});
const fill = (ref: string, positionId: string, i: number): BeadDraft => ({
  bead_type: 'FILL',
  stream: streams.order(ref),
  correlation_id: positionId,
  data: { exec_id: `x-${i}`, order_id: i, order_ref: ref, position_id: positionId, pair: 'EURUSD', side: 'BUY', quantity: 20000, price: 1.0821, time: new Date(START_MS + i * 1000).toISOString() },
});
const heartbeat: BeadDraft = {
  bead_type: 'HEARTBEAT',
  stream: streams.heartbeat(HOST),
  correlation_id: `heartbeat-${HOST}`,
  data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 },
};
const reconciliation: BeadDraft = {
  bead_type: 'RECONCILIATION',
  stream: streams.reconciliation,
  correlation_id: 'reconcile',
  data: { result: 'MATCH', trigger: 'PERIODIC', broker: { positions: [], open_orders: [] }, local: { positions: [], open_orders: [] }, drift: [] },
};

/** The opening of a trade up to a MANAGED position with its bracket working. */
function opening(p: string, e: string, s: string, t: string, i: number): BeadDraft[] {
  return [
    pos(p, 'SUBMITTED'),
    order(e, p, { event: 'SUBMIT_REQUESTED', role: 'ENTRY', order_type: 'MKT' }),
    order(e, p, { event: 'SENT' }),
    order(e, p, { status: 'Submitted' }),
    fill(e, p, i),
    order(e, p, { status: 'Filled', filled: 20000, remaining: 0 }),
    pos(p, 'FILLED'),
    order(s, p, { event: 'SUBMIT_REQUESTED', role: 'STOP', order_type: 'STP', parent_id: i }),
    order(t, p, { event: 'SUBMIT_REQUESTED', role: 'TARGET', order_type: 'LMT', parent_id: i }),
    order(s, p, { status: 'PreSubmitted' }),
    order(t, p, { status: 'Submitted' }),
    pos(p, 'MANAGED'),
  ];
}

/** One 40-bead cycle: a whole trade from submit to close, a reconciliation, and the heartbeats in between. */
function cycle(k: number): BeadDraft[] {
  const [p, e, s, t] = [`p${k}`, `e${k}`, `s${k}`, `t${k}`];
  const story = [
    ...opening(p, e, s, t, k),
    fill(t, p, k),
    order(t, p, { status: 'Filled', filled: 20000, remaining: 0 }),
    order(s, p, { event: 'CANCELLED' }),
    pos(p, 'CLOSED'),
    reconciliation,
  ];
  return [...story, ...Array.from({ length: 40 - story.length }, () => heartbeat)];
}

/** The same last beads on every log: one position left open, a fresh reconciliation. */
const TAIL: BeadDraft[] = [...opening('p-open', 'e-open', 's-open', 't-open', 9_999_999), reconciliation, heartbeat];

function* drafts(total: number): Generator<BeadDraft> {
  const body = total - TAIL.length;
  for (let k = 0; k * 40 < body; k++) {
    for (const d of cycle(k).slice(0, Math.min(40, body - k * 40))) yield d;
  }
  yield* TAIL;
}

/** Setup, not measured: the log written by hand in big transactions, as B2 does. Returns the time after its last bead. */
async function buildLog(path: string, total: number): Promise<number> {
  let i = 0;
  function* batches(): Generator<Bead[]> {
    let batch: Bead[] = [];
    for (const draft of drafts(total)) {
      batch.push(stamp(draft, { bead_id: uuidV7Ids.next(), ts: new Date(START_MS + i * 1000).toISOString(), host_id: HOST, mode: 'PAPER' }));
      i += 1;
      if (batch.length === CHUNK) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
  await writeBulkLog(path, batches());
  return START_MS + i * 1000;
}

interface Rig {
  check(append: boolean): Promise<void>;
  close(): Promise<void>;
  foldRate: number;
}

/** A host's monitor on the log: the projection caught up from it, the machine, the writer. */
async function rigOn(path: string, endMs: number): Promise<Rig> {
  const log = new SqliteEventLog(path);
  let now = endMs;
  const semantic = new SemanticMonitor({ startedAt: endMs - 60_000, ticks: new TickTracker(), marketHours: 'always' });
  const start = nowMs();
  let folded = 0;
  for await (const entry of log.readAll()) {
    if (entry.kind === 'bead') semantic.apply(entry.bead);
    folded += 1;
  }
  const foldRate = folded / ((nowMs() - start) / 1000);
  const writer = new BeadWriter({ log, clock: { now: () => now }, ids: uuidV7Ids, hostId: HOST, mode: 'PAPER' });
  const registry = new ActorRegistry();
  for (const name of ['broker', 'intents', 'notify', 'dashboard']) registry.register(name, () => true);
  const probes = { actors: registry, ibkrConnected: () => true, semantic };
  const actor = createActor(heartbeatMachine, { input: { hostId: HOST } });
  let drafted: HeartbeatEmitted | undefined;
  actor.on('bead', (e) => {
    drafted = e;
  });
  actor.start();
  return {
    foldRate,
    async check(append) {
      now += 1;
      actor.send(sampleProbes(probes, now));
      if (append && drafted?.type === 'bead') await writer.write(drafted.draft);
    },
    async close() {
      actor.stop();
      await log.close();
    },
  };
}

/** CPU time per check (user + system), so time spent waiting on fsync does not count. */
async function cpuPerCheck(rig: Rig, checks: number, append: boolean): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await rig.check(append);
  const before = process.cpuUsage();
  for (let i = 0; i < checks; i++) await rig.check(append);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / checks;
}

export async function benchHeartbeat(dir: string): Promise<Measure[]> {
  const logs = await Promise.all(SIZES.map(async (size) => ({ size, path: join(dir, `b6-${size}.db`), endMs: await buildLog(join(dir, `b6-${size}.db`), size) })));
  const best = new Map<number, { memory: number; append: number; foldRate: number }>();
  // Alternate the sizes round by round, keeping the best of each: the least disturbed run is the machine's real cost.
  for (let round = 0; round < ROUNDS; round++) {
    for (const { size, path, endMs } of logs) {
      const rig = await rigOn(path, endMs);
      const memory = await cpuPerCheck(rig, CHECKS_IN_MEMORY, false);
      const append = await cpuPerCheck(rig, CHECKS_WITH_APPEND, true);
      await rig.close();
      const prev = best.get(size) ?? { memory: Number.POSITIVE_INFINITY, append: Number.POSITIVE_INFINITY, foldRate: 0 };
      best.set(size, { memory: Math.min(prev.memory, memory), append: Math.min(prev.append, append), foldRate: Math.max(prev.foldRate, rig.foldRate) });
    }
  }
  const small = best.get(SIZES[0]!)!;
  const large = best.get(SIZES[1]!)!;
  return [
    { id: 'B6', what: 'heartbeat check CPU, probes + machine, 1k-bead log', value: small.memory, unit: 'ms' },
    {
      id: 'B6',
      what: 'heartbeat check CPU, probes + machine, 1M-bead log',
      value: large.memory,
      unit: 'ms',
      ratio: { value: large.memory / small.memory, baseline: `1k-bead log (${small.memory.toFixed(4)} ms)`, atMost: 1.5 },
    },
    { id: 'B6', what: 'heartbeat check CPU, with the HEARTBEAT append, 1k-bead log', value: small.append, unit: 'ms' },
    {
      id: 'B6',
      what: 'heartbeat check CPU, with the HEARTBEAT append, 1M-bead log',
      value: large.append,
      unit: 'ms',
      ratio: { value: large.append / small.append, baseline: `1k-bead log (${small.append.toFixed(4)} ms)`, atMost: 1.5 },
    },
    { id: 'B6', what: 'semantic projection catch-up from the 1M-bead SQLite log (setup, once per host start)', value: large.foldRate, unit: 'beads/s' },
  ];
}
