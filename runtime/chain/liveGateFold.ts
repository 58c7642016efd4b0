import type { Bead, BeadType } from '../../beads/index.ts';
import { type ChainedGatesState, type ChainedGatesVerdict, chainedGatesVerdict, foldKept, foldUnproven, initialChainedGates } from '../../projections/chainedGates.ts';
import type { Fold } from '../../projections/fold.ts';
import type { GateInputs } from '../../projections/gates.ts';
import { ChainChecker, type Settled } from './checker.ts';
import { isHostOnlyFact } from './hostOnly.ts';
import { isSeal, parseSealEntry, RUN_HASH } from './seal.ts';

/**
 * The live gate as a fold of the host's one read (issue 15, Done-when 3):
 * what liveGate.ts `liveGateOnChainedEvidence` judges with a read of its
 * own, judged here from the entries the projection engine hands every fold.
 *
 * Why its own checker, and not `isSealed` on what the host's ChainedLog
 * hands over: the host's reads verify only HOST_VERIFIED_TYPES (heartbeats,
 * most of the log, are passed unchecked, and P1-4 counts them), and a bead
 * of a type they skip is handed on before the block seal that would show it
 * edited. So this fold runs the same ChainChecker the whole-log gate runs
 * (every type, not strict, marking nothing) over the same entries in the
 * same order (the ChainedLog holds a bead back until its seal, but releases
 * in log order), and keeps a bead on the same rule: sealed, or another
 * process's word of a kind taken as written. What the ChainedLog refuses
 * outright (a corrupt entry) that checker would have refused too.
 *
 * Bounded: the kept beads are folded into the tied gates
 * (projections/chainedGates.ts) each time the checker is settled (no bead
 * waits for a seal, no seal's commit is half read); until then they wait in
 * `carry`, one block at most. A checkpoint saves the gates, the hosts seen
 * sealing and the carry; loading starts a checker that knows those hosts and
 * reads the carry again, which is the state the checker had.
 */

/** What a person's or another process's command records; counted as written (liveGate.ts counts the same). */
export const TAKEN_AS_WRITTEN: ReadonlySet<BeadType> = new Set(['DRILL', 'BUNNY', 'UX_CONFIRMATION', 'ALERT', 'CONFIG_CHANGE']);

/** A person's `phoenix promote --live`: another process's word, taken as written. */
export const isDecision = (bead: Bead) => bead.bead_type === 'PROMOTION' && bead.data.event === 'DECISION';

/** Kept although no seal proves it: another process's word of a kind the gate takes as written. */
export const takenAsWritten = (bead: Bead) => TAKEN_AS_WRITTEN.has(bead.bead_type) || isDecision(bead);

interface Carried {
  bead: Bead;
  position: number;
  tag?: string | undefined;
  /** Undefined for a seal: carried for the checker to read again after a checkpoint, folded as nothing. */
  kept?: boolean;
}

export interface LiveGateFoldState {
  judged: ChainedGatesState;
  checker: ChainChecker;
  /** Hosts seen sealing: all a checker needs to go on from a settled point. */
  sealing: Set<string>;
  /** The beads read since the checker was last settled, in log order. */
  carry: Carried[];
  waiting: Map<string, Carried>;
  /** Beads the latest seal of a host listed that have not come yet (they follow it, in its commit). */
  claimed: Map<string, string>;
  /** The last position the latest seal's run covers (on SQLite a seal lists its commit as the hashes of the rows right after it). */
  runTo: number;
}

interface Saved {
  judged: ChainedGatesState;
  sealing: string[];
  carry: { bead: Bead; position: number; tag?: string | undefined }[];
}

export function liveGateFold(key: Buffer): Fold<LiveGateFoldState> {
  const fresh = (judged: ChainedGatesState, sealing: Iterable<string>): LiveGateFoldState => {
    const known = new Set(sealing);
    return { judged, checker: new ChainChecker(key, { strict: false, mark: false, knownHosts: known }), sealing: known, carry: [], waiting: new Map(), claimed: new Map(), runTo: Number.NEGATIVE_INFINITY };
  };
  return {
    name: 'live.gate',
    version: '1',
    init: () => fresh(initialChainedGates(), []),
    apply: (s, bead, position, tag) => read(s, bead, position, tag),
    corrupt(s) {
      // A row the log or the chain refused (whole-log readers count it left out too).
      s.judged.unproven += 1;
      return s;
    },
    save: (s): Saved => ({ judged: s.judged, sealing: [...s.sealing], carry: s.carry.map(({ bead, position, tag }) => ({ bead, position, ...(tag === undefined ? {} : { tag }) })) }),
    load(saved) {
      const o = saved as Saved;
      const s = fresh(o.judged, o.sealing);
      for (const c of o.carry) read(s, c.bead, c.position, c.tag);
      return s;
    },
  };
}

function read(s: LiveGateFoldState, bead: Bead, position: number, tag?: string): LiveGateFoldState {
  const { verdict, settled } = s.checker.check({ kind: 'bead', position, stream: bead.stream, revision: -1, bead, ...(tag === undefined ? {} : { tag }) });
  if (isSeal(bead)) {
    if (s.checker.isSealingHost(bead.host_id)) s.sealing.add(bead.host_id);
    if (verdict === 'SEALED') onSeal(s, bead, position, settled ?? []);
    s.carry.push({ bead, position });
  } else {
    const claim = s.claimed.get(bead.bead_id);
    // A bead no seal claimed ends the commits before it: what they listed and did not hold will not come.
    if (claim === undefined) s.claimed.clear();
    else s.claimed.delete(bead.bead_id);
    const item: Carried = { bead, position, tag, kept: verdict === 'SEALED' || (verdict === 'FOREIGN' && takenAsWritten(bead)) };
    s.carry.push(item);
    if (verdict === 'AWAIT' || (verdict === 'FOREIGN' && s.checker.isSealingHost(bead.host_id))) s.waiting.set(bead.bead_id, item);
  }
  settle(s, settled ?? []);
  if (s.waiting.size === 0 && s.claimed.size === 0 && position >= s.runTo) drain(s);
  return s;
}

function onSeal(s: LiveGateFoldState, seal: Extract<Bead, { bead_type: 'SEAL' }>, position: number, settled: readonly Settled[]): void {
  const done = new Set(settled.map((x) => x.beadId));
  for (const [id, host] of s.claimed) if (host === seal.host_id) s.claimed.delete(id);
  for (const line of seal.data.beads) {
    const e = parseSealEntry(line);
    if (e && !done.has(e.id)) s.claimed.set(e.id, seal.host_id);
  }
  s.runTo = position + Math.floor((seal.data.run ?? '').length / RUN_HASH);
}

function settle(s: LiveGateFoldState, settled: readonly Settled[]): void {
  for (const x of settled) {
    const item = s.waiting.get(x.beadId);
    if (!item) continue;
    s.waiting.delete(x.beadId);
    item.kept = x.verdict === 'SEALED' || (x.verdict === 'FOREIGN' && takenAsWritten(item.bead));
  }
}

function drain(s: LiveGateFoldState): void {
  for (const item of s.carry) {
    if (item.kept) foldKept(s.judged, item.bead, item.position);
    else if (item.kept === false) foldUnproven(s.judged);
  }
  s.carry = [];
}

/**
 * The gate as the log stands now: what still waits for a seal is judged as
 * at the end of a read (liveGate.ts's `finish`): another process's word of a
 * kind taken as written is kept, a host's fact no seal follows is not. The
 * fold's own state is left as it is.
 */
export function liveGateNow(s: LiveGateFoldState, inputs: GateInputs = {}, promotion?: { windowMs: number }): ChainedGatesVerdict {
  if (s.carry.length === 0) return chainedGatesVerdict(s.judged, inputs, promotion);
  const judged = structuredClone(s.judged);
  for (const item of s.carry) {
    if (isSeal(item.bead)) continue;
    const kept = s.waiting.has(item.bead.bead_id) ? !isHostOnlyFact(item.bead) && takenAsWritten(item.bead) : item.kept;
    if (kept) foldKept(judged, item.bead, item.position);
    else foldUnproven(judged);
  }
  return chainedGatesVerdict(judged, inputs, promotion);
}
