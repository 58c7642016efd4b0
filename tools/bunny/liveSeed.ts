import { initialTransition, transition } from 'xstate';
import { type Bead, type BeadDraft, stamp, streams } from '../../beads/index.ts';
import { type PositionEmitted, type PositionEvent, positionMachine } from '../../machines/position.ts';
import { type PromotionEmitted, type PromotionEvent, promotionMachine } from '../../machines/promotion.ts';
import { decisionEventOf } from '../../machines/promotionReplay.ts';
import { emittedBy } from '../../machines/types.ts';
import { BUNNY_VECTORS } from '../../projections/gates.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import type { EventLog } from '../../store/port.ts';

/**
 * A paper history that meets the live gate (P1-1…P1-6, P1-8), for a LIVE
 * scratch desk only: live mode refuses to start without it
 * (INV-IBKR-PAPER-FIRST-1), and a chaos vector about live behaviour (CV_S33_12)
 * needs a live host. The beads are written as the machines write them, an
 * hour in the past, into the vector's own scratch log and nowhere else; the
 * desk's real gates never see them. Each is marked as seeded by bunny.
 */

const HOST = 'bunny-paper-history';

function at(ms: number, draft: BeadDraft): Bead {
  return stamp(draft, { bead_id: uuidV7Ids.next(), ts: new Date(ms).toISOString(), host_id: HOST, mode: 'PAPER' });
}

function roundTrip(id: string, t: number): Bead[] {
  const input = { positionId: id, intentId: id, pair: 'EURUSD', side: 'LONG', quantity: 20_000, plannedEntry: 1.085, stop: 1.082, target: 1.091, submittedAt: t } as const;
  let [s, actions] = initialTransition(positionMachine, input);
  const out: Bead[] = [];
  const take = (emitted: ReturnType<typeof emittedBy<PositionEmitted>>, when: number) => {
    for (const e of emitted) if (e.type === 'bead') out.push(at(e.at ?? when, e.draft));
  };
  take(emittedBy<PositionEmitted>(actions), t);
  // The executions the broker reported: the chained live gate counts a paper position only with its fills (issue 17).
  const fill = (ref: string, side: 'BUY' | 'SELL', price: number, when: number) =>
    at(when, { bead_type: 'FILL', stream: `order-${id}-${ref}`, correlation_id: id, data: { exec_id: `seed-${id}-${ref}`, order_id: 1, order_ref: `${id}-${ref}`, position_id: id, pair: 'EURUSD', side, quantity: 20_000, price, time: new Date(when).toISOString() } });
  const events: PositionEvent[] = [
    { type: 'ENTRY_FILLED', filled: 20_000, avgPrice: 1.0851, at: t + 100 },
    { type: 'PROTECTION_WORKING', at: t + 200 },
    { type: 'EXIT_FILLED', filled: 20_000, avgPrice: 1.091, by: 'TARGET', at: t + 300 },
  ];
  for (const e of events) {
    if (e.type === 'ENTRY_FILLED') out.push(fill('entry', 'BUY', 1.0851, e.at));
    if (e.type === 'EXIT_FILLED') out.push(fill('target', 'SELL', 1.091, e.at));
    [s, actions] = transition(positionMachine, s, e);
    take(emittedBy<PositionEmitted>(actions), e.at);
  }
  return out;
}

/**
 * A promotion to LIVE_ACTIVE as the machine writes it (issue 14): the gates
 * met, the window served, a person's decision. The live gate needs it as
 * well as the paper gates.
 */
function promotedToLive(t: number, windowMs: number, decided = true): Bead[] {
  let [s] = initialTransition(promotionMachine, { windowMs, startedAt: 0 });
  const out: Bead[] = [];
  const step = (event: PromotionEvent) => {
    const [next, actions] = transition(promotionMachine, s, event);
    s = next;
    for (const e of emittedBy<PromotionEmitted>(actions)) if (e.type === 'bead') out.push(at(e.at ?? event.at, e.draft));
  };
  const met = { phase1: { met: true, missing: [] }, ops: { met: true, missing: [] } };
  step({ type: 'FACTS', at: t, facts: met });
  step({ type: 'FACTS', at: t + windowMs, facts: met });
  if (!decided) return out;
  const decision = at(t + windowMs + 1_000, { bead_type: 'PROMOTION', stream: streams.promotion, correlation_id: 'promotion', data: { event: 'DECISION', state: 'LIVE_ELIGIBLE', decision: 'PROMOTE_LIVE', decided_by: 'bunny', reason: 'seeded by bunny for a live scratch desk' } });
  out.push(decision);
  step(decisionEventOf(decision as never)!);
  return out;
}

/**
 * `bunny: false` leaves P1-8 out: the history of P1-1…P1-6 only, for a desk
 * whose bunny runs are its own. `promotionWindowMs` adds a promotion to
 * LIVE_ACTIVE over a window that long (the history then starts that much
 * earlier, so the window is served before now); with `decided: false` it
 * stops at LIVE_ELIGIBLE, for a person's decision still to come.
 */
export interface SeedOptions {
  bunny?: boolean;
  promotionWindowMs?: number;
  decided?: boolean;
}

export function seededPaperHistory(now: number, o: SeedOptions = {}): Bead[] {
  const t0 = now - 3_600_000 - (o.promotionWindowMs ?? 0) - 60_000;
  const host = (ms: number) => at(t0 + ms, { bead_type: 'HOST', stream: `host-${HOST}`, correlation_id: `seed-${ms}`, data: { event: 'STARTED', version: 'seeded-by-bunny', config_hash: 'seeded', pid: 1 } });
  const session = (ms: number, event: 'CONNECT' | 'DISCONNECT' | 'RECONNECT') =>
    at(t0 + ms, { bead_type: 'IBKR_SESSION', stream: `connection-${HOST}`, correlation_id: 'seed', data: { event, mode: 'PAPER', account: 'DU123456', port: 4002, reconnect_attempt: event === 'RECONNECT' ? 1 : 0 } });
  const beat = (i: number) =>
    at(t0 + 60_000 + i * 30_000, { bead_type: 'HEARTBEAT', stream: `heartbeat-${HOST}`, correlation_id: 'seed', data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 } });
  return [
    host(0),
    session(1_000, 'CONNECT'),
    session(2_000, 'DISCONNECT'),
    session(7_000, 'RECONNECT'),
    session(8_000, 'CONNECT'),
    ...Array.from({ length: 10 }, (_, i) => beat(i)),
    at(t0 + 400_000, { bead_type: 'ALERT', stream: 'alerts', correlation_id: 'seed', data: { event: 'SENT', alert_id: 'seed-test', alert_type: 'TEST_ALERT', severity: 'WARNING', message: 'seeded by bunny', dedupe_key: 'TEST_ALERT' } }),
    at(t0 + 410_000, { bead_type: 'DRILL', stream: 'drill', correlation_id: 'seed', data: { runbook_id: 'RB-004', event: 'FINISHED', outcome: 'PASS', resolution_ms: 900, detail: 'seeded by bunny' } }),
    ...roundTrip('seed-1', t0 + 500_000),
    ...roundTrip('seed-2', t0 + 510_000),
    host(600_000),
    ...roundTrip('seed-3', t0 + 610_000),
    ...(o.bunny === false ? [] : BUNNY_VECTORS).map((v, i) =>
      at(t0 + 700_000 + i, { bead_type: 'BUNNY', stream: 'bunny', correlation_id: 'seed', data: { run_id: 'seeded-by-bunny', vector_id: v, result: 'PASS', evidence: 'seeded for a live scratch desk', run_scope: 'FULL' } }),
    ),
    ...(o.promotionWindowMs === undefined ? [] : promotedToLive(t0 + 800_000, o.promotionWindowMs, o.decided ?? true)),
  ];
}

/**
 * Appends the history; with `chainKey` (the scratch home's PHOENIX_HOME/chain.key) each bead is sealed
 * into the seeding host's chain, as a host that lived it would have, so the chained live gate counts it.
 */
export async function seedPaperHistory(log: EventLog, now = Date.now(), o: SeedOptions & { chainKey?: Buffer } = {}): Promise<number> {
  const beads = seededPaperHistory(now, o);
  const chained = o.chainKey ? await ChainedLog.open(log, { key: o.chainKey, hostId: HOST, mode: 'PAPER', clock: { now: () => now } }) : undefined;
  const into = chained ?? log;
  for (const b of beads) await into.append(b.stream, [b]);
  // The chain seals most beads a block at a time: the last block is sealed before the history is handed over.
  await chained?.flush();
  return beads.length;
}
