import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import { type Bead, type BeadOf, streams } from '../beads/index.ts';
import { describeSpan } from './promotionBeads.ts';
import {
  bunnyVerdictEvent,
  configChangedEvent,
  describeSweep,
  type PromotionEmitted,
  type PromotionEvent,
  type PromotionInput,
  type PromotionRefusal,
  type PromotionState,
  promotionMachine,
  windowServedAt,
} from './promotion.ts';
import { type BeadEmitted, emittedBy, type MachineReplayerShape } from './types.ts';

/**
 * Rebuilds the promotion machine from the beads it reads, in global order,
 * through XState's pure `transition()`: each CONFIG_CHANGE, BUNNY and
 * person's DECISION is the event it was; a PROMOTION transition that names
 * its cause is the record the machine owed for that event; one decided on
 * the gates' facts carries them, and is read back as that FACTS event.
 * What the machine owed and the log does not hold yet (the host was down
 * when `phoenix config set` ran) comes back as `owed`, for the promotion
 * actor to write.
 */

export type PromotionSnapshot = SnapshotFrom<typeof promotionMachine>;

/** The bead types the promotion machine reads. */
export const PROMOTION_READS = ['PROMOTION', 'CONFIG_CHANGE', 'BUNNY'] as const;

export interface PromotionReplay {
  snapshot: PromotionSnapshot;
  anomalies: string[];
  /** Bead drafts an event asked for that no PROMOTION bead records yet, in order. */
  owed: BeadEmitted[];
}

export function promotionStateOf(s: PromotionSnapshot): PromotionState {
  return s.value as PromotionState;
}

export function decisionEventOf(bead: BeadOf<'PROMOTION'>): PromotionEvent | undefined {
  const d = bead.data;
  if (d.event !== 'DECISION') return undefined;
  return { type: 'DECISION', at: Date.parse(bead.ts), beadId: bead.bead_id, decidedBy: d.decided_by ?? '', reason: d.reason };
}

/** The event a bead is to the machine; undefined for one that is only a record. */
export function promotionEventOf(bead: Bead): PromotionEvent | undefined {
  if (bead.bead_type === 'CONFIG_CHANGE') return configChangedEvent(bead);
  if (bead.bead_type === 'BUNNY') return bunnyVerdictEvent(bead);
  if (bead.bead_type === 'PROMOTION') return decisionEventOf(bead);
  return undefined;
}

const stateOfDraft = (e: BeadEmitted) => (e.draft.bead_type === 'PROMOTION' ? e.draft.data.state : undefined);

export function replayPromotion(beads: Iterable<Bead>, input: PromotionInput): PromotionReplay {
  let snapshot = initialTransition(promotionMachine, input)[0];
  const anomalies: string[] = [];
  const owed = new Map<string, BeadEmitted[]>();
  const step = (event: PromotionEvent): PromotionEmitted[] => {
    const [next, actions] = transition(promotionMachine, snapshot, event);
    snapshot = next;
    return emittedBy<PromotionEmitted>(actions);
  };
  for (const bead of beads) {
    if (bead.bead_type === 'PROMOTION' && bead.data.event !== 'DECISION') {
      const d = bead.data;
      if (d.cause_id !== undefined) {
        const list = owed.get(d.cause_id);
        const head = list?.[0];
        if (head === undefined || stateOfDraft(head) !== d.state) anomalies.push(`${bead.bead_id}: PROMOTION ${d.state} caused by ${d.cause_id} was not owed`);
        else if (list!.length === 1) owed.delete(d.cause_id);
        else list!.shift();
        continue;
      }
      if (d.facts === undefined) {
        anomalies.push(`${bead.bead_id}: PROMOTION ${d.state} names neither its cause nor its facts`);
        continue;
      }
      const produced = step({ type: 'FACTS', at: Date.parse(bead.ts), facts: d.facts }).filter((e): e is BeadEmitted => e.type === 'bead');
      if (produced.length !== 1 || stateOfDraft(produced[0]!) !== d.state) {
        anomalies.push(`${bead.bead_id}: PROMOTION ${d.previous ?? '?'} → ${d.state} does not follow ${describePromotion(snapshot)}`);
      }
      continue;
    }
    const event = promotionEventOf(bead);
    if (event === undefined) continue;
    const emitted = step(event);
    for (const r of emitted.filter((e): e is PromotionRefusal => e.type === 'refused')) anomalies.push(`${bead.bead_id}: ${r.event} refused: ${r.why}`);
    const drafts = emitted.filter((e): e is BeadEmitted => e.type === 'bead');
    if (drafts.length > 0) owed.set(bead.bead_id, drafts);
  }
  return { snapshot, anomalies, owed: [...owed.values()].flat() };
}

/** Where the desk stands, in words. */
export function describePromotion(s: PromotionSnapshot): string {
  const c = s.context;
  const state = promotionStateOf(s);
  switch (state) {
    case 'SHADOW':
      return `SHADOW: ${c.reason}`;
    case 'PAPER_VALIDATED': {
      const served = windowServedAt(c);
      return `PAPER_VALIDATED: window of ${describeSpan(c.windowMs)} from ${new Date(c.windowFrom ?? 0).toISOString()}, served at ${new Date(served ?? 0).toISOString()}; ${describeSweep(c.sweep)}`;
    }
    case 'LIVE_ELIGIBLE':
      return `LIVE_ELIGIBLE: ${c.reason}`;
    case 'LIVE_ACTIVE':
      return `LIVE_ACTIVE: promoted by ${c.decision?.decidedBy ?? '?'} at ${new Date(c.decision?.at ?? 0).toISOString()}: ${c.decision?.reason ?? ''}`;
  }
}

/**
 * The `phoenix replay` hook. It is handed the promotion stream alone, which
 * records every transition and decision but not the parameter changes and
 * verdicts that caused them (their own streams), so it reads the record:
 * the state the last transition reached.
 */
export const promotionReplayer: MachineReplayerShape = {
  machine: 'promotion',
  owns: (stream) => stream === streams.promotion,
  stateAfter(beads) {
    const last = [...beads].reverse().find((b): b is BeadOf<'PROMOTION'> => b.bead_type === 'PROMOTION' && b.data.event !== 'DECISION');
    if (last === undefined) return 'SHADOW: no transition recorded';
    return `${last.data.state} (as recorded at ${last.ts}): ${last.data.reason}`;
  },
};
