import type { Bead } from '../../beads/index.ts';
import { foldGates, type GateInputs, type GateResult, gateResults, initialGates, paperGatesHold } from '../../projections/gates.ts';
import { describePromotion, PROMOTION_READS, promotionStateOf, replayPromotion } from '../../machines/promotionReplay.ts';
import { type LiveGateVerdict, liveGate, type PromotionStanding } from '../../projections/liveGate.ts';
import type { EventLog } from '../../store/port.ts';
import { ChainChecker, type Settled } from './checker.ts';
import { takenAsWritten } from './liveGateFold.ts';

/**
 * The live gate on evidence a host sealed (issue 17, S11,
 * INV-IBKR-PAPER-FIRST-1). Hand-written beads opened the gate before: now
 * every broker and monitoring fact it counts (sessions, positions, fills,
 * heartbeats, host starts) must be proven against a host's chain, and a
 * paper position counts only when a sealed FILL with the execution id the
 * broker reported stands behind it, on a host session whose sealed CONNECT
 * was to a paper account (DU…). What only a person's command records (the
 * RB-004 drill, the bunny run, the test alert, the UX confirmation) is taken
 * as written by that command: none of it moves the gate without the sealed
 * broker evidence. With `promotion`, the gate in full: the paper gates and
 * promotion at LIVE_ACTIVE, on sealed transitions only.
 */

export interface ChainedGate {
  holds: boolean;
  gates: GateResult[];
  /** Beads the gate left out: not sealed, or not tied to a paper account's executions. */
  leftOut: number;
  /** With `promotion`: the promotion machine replayed from sealed transitions, and the live gate in full on it. */
  promotion?: PromotionStanding;
  live?: LiveGateVerdict;
}

/**
 * The promotion as sealed evidence shows it: the machine's own transitions
 * count only sealed (a PROMOTION transition is a host's fact, hostOnly.ts);
 * a person's DECISION, parameter changes and bunny verdicts count as
 * written (each is judged on its own proof by whoever acts on it, and the
 * machine takes a decision only once sealed transitions made it eligible).
 */
function promotionOnSealed(kept: readonly Bead[], windowMs: number): PromotionStanding {
  const replay = replayPromotion(kept.filter((b) => READS_PROMOTION.has(b.bead_type)), { windowMs, startedAt: 0 });
  return { state: promotionStateOf(replay.snapshot), description: describePromotion(replay.snapshot) };
}

const READS_PROMOTION: ReadonlySet<string> = new Set(PROMOTION_READS);

export async function liveGateOnChainedEvidence(log: Pick<EventLog, 'readAll'>, key: Buffer, inputs: GateInputs = {}, promotion?: { windowMs: number }): Promise<ChainedGate> {
  // In log order, each bead kept or not once the chain has settled it (a block's seal comes after its beads).
  const read: { bead: Bead; kept?: boolean }[] = [];
  const waiting = new Map<string, { bead: Bead; kept?: boolean }>();
  const settle = (settled: readonly Settled[]) => {
    for (const s of settled) {
      const item = waiting.get(s.beadId);
      if (!item) continue;
      waiting.delete(s.beadId);
      item.kept = s.verdict === 'SEALED' || (s.verdict === 'FOREIGN' && takenAsWritten(item.bead));
    }
  };
  const checker = new ChainChecker(key, { strict: false, mark: false });
  for await (const entry of log.readAll()) {
    const { verdict, settled } = checker.check(entry);
    if (entry.kind === 'bead') {
      const item: { bead: Bead; kept?: boolean } = { bead: entry.bead };
      read.push(item);
      if (verdict === 'AWAIT' || (verdict === 'FOREIGN' && checker.isSealingHost(entry.bead.host_id))) waiting.set(entry.bead.bead_id, item);
      item.kept = verdict === 'SEALED' || (verdict === 'FOREIGN' && takenAsWritten(entry.bead));
    }
    settle(settled ?? []);
  }
  // What no seal settled by the end (a crash's tail, or slipped in) is left out.
  settle(checker.finish());
  for (const item of waiting.values()) item.kept = false;
  const kept = read.flatMap((r) => (r.kept ? [r.bead] : []));
  let leftOut = read.length - kept.length;
  // Tied to the broker: paper sessions (a DU account), and the positions whose fills carry its execution ids.
  const paperHosts = new Set(kept.flatMap((b) => (b.bead_type === 'IBKR_SESSION' && b.data.mode === 'PAPER' && b.data.event === 'CONNECT' && b.data.account.startsWith('DU') ? [b.host_id] : [])));
  const executed = new Set(kept.flatMap((b) => (b.bead_type === 'FILL' && b.data.exec_id.trim() !== '' && b.data.position_id && paperHosts.has(b.host_id) ? [b.data.position_id] : [])));
  const state = initialGates();
  for (const bead of kept) {
    const untied =
      (bead.bead_type === 'POSITION' && !executed.has(bead.data.position_id)) ||
      ((bead.bead_type === 'IBKR_SESSION' || bead.bead_type === 'HEARTBEAT') && !paperHosts.has(bead.host_id));
    if (untied) {
      leftOut += 1;
      continue;
    }
    foldGates(state, bead);
  }
  const gates = gateResults(state, inputs);
  if (!promotion) return { holds: paperGatesHold(gates), gates, leftOut };
  const standing = promotionOnSealed(kept, promotion.windowMs);
  const live = liveGate(gates, standing);
  return { holds: live.open, gates, leftOut, promotion: standing, live };
}
