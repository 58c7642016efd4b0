import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import { type Bead, type BeadOf, streams } from '../beads/index.ts';
import { realisedPnl, stallDescription } from './positionBeads.ts';
import {
  exitReasonOf,
  type PositionEmitted,
  type PositionEvent,
  type PositionInput,
  type PositionPhase,
  parseReason,
  positionMachine,
  reasonNumber,
} from './position.ts';
import { type BeadEmitted, comparableSnapshot, emittedBy, type MachineReplayerShape, type ReplayResult } from './types.ts';

/**
 * Rebuilds a position from its `position-<id>` stream through XState's pure
 * `transition()`. Each POSITION bead's reason names the fact that moved the
 * machine (positionVocabulary.ts), so the stream replays on its own; the
 * AUTOPSY bead that follows CLOSED is checked, not replayed.
 */

export type PositionSnapshot = SnapshotFrom<typeof positionMachine>;

/** The input the first (SUBMITTED) bead recorded; undefined for any other bead. */
export function positionInputOf(bead: BeadOf<'POSITION'>): PositionInput | undefined {
  const d = bead.data;
  const r = parseReason(d.reason);
  const plannedEntry = reasonNumber(r.values, 'entry');
  if (d.state !== 'SUBMITTED' || r.code !== 'SUBMITTED' || plannedEntry === undefined) return undefined;
  return {
    positionId: d.position_id,
    intentId: bead.correlation_id,
    pair: d.pair,
    side: d.side,
    quantity: d.quantity,
    plannedEntry,
    stop: d.stop,
    target: d.target,
    submittedAt: Date.parse(bead.ts),
    timeScale: reasonNumber(r.values, 'scale') ?? 1,
  };
}

/** The broker fact a POSITION bead records; undefined when its reason names none. */
export function positionEventOf(bead: BeadOf<'POSITION'>): PositionEvent | undefined {
  const at = Date.parse(bead.ts);
  const { code, values, text } = parseReason(bead.data.reason);
  const filled = reasonNumber(values, 'filled');
  const avgPrice = reasonNumber(values, 'avg');
  switch (code) {
    case 'ACKNOWLEDGED':
      return { type: 'ENTRY_ACKNOWLEDGED', at };
    case 'CONFIRMED':
      return { type: 'BROKER_CONFIRMED', at };
    case 'ENTRY_FILLED':
      return filled === undefined || avgPrice === undefined ? undefined : { type: 'ENTRY_FILLED', filled, avgPrice, at };
    case 'ENTRY_REJECTED':
      return { type: 'ENTRY_REJECTED', reason: text, at };
    case 'ENTRY_CANCELLED':
      return { type: 'ENTRY_CANCELLED', reason: text, at };
    case 'PROTECTION_WORKING':
      return { type: 'PROTECTION_WORKING', at };
    case 'PROTECTION_LOST':
      return { type: 'PROTECTION_LOST', reason: text, at };
    case 'CLOSE_REQUESTED':
      return { type: 'CLOSE_REQUESTED', by: text, at };
    case 'CLOSE_FAILED':
      return { type: 'CLOSE_FAILED', reason: text, protectionWorking: bead.data.state === 'MANAGED', at };
    case 'EXIT_FILLED': {
      const by = exitReasonOf(values.by);
      return filled === undefined || avgPrice === undefined || by === undefined ? undefined : { type: 'EXIT_FILLED', filled, avgPrice, by, at };
    }
    case 'RESUMED':
      return { type: 'RESUME', at };
    // A timer leaves no event of its own: its bead is replayed as time reaching the bead's moment.
    case 'STALLED':
      return { type: 'CLOCK', at };
    default:
      return undefined;
  }
}

/** The S3.3 state: SUBMITTED's two phases (awaiting its acknowledgement, working) are one state there. */
export function positionStateOf(s: PositionSnapshot): PositionPhase {
  return (typeof s.value === 'string' ? s.value : Object.keys(s.value)[0]) as PositionPhase;
}

/** What replay must reproduce: everything but the mark, which ticks set between beads. */
export function comparablePosition(s: PositionSnapshot) {
  const { value, context, status } = comparableSnapshot(s) as { value: unknown; context: Record<string, unknown>; status: string };
  const { mark: _mark, ...rest } = context;
  return { value, context: rest, status };
}

function sameFact(expected: BeadEmitted, bead: Bead): boolean {
  const draft = expected.draft;
  if (draft.bead_type !== bead.bead_type) return false;
  if (draft.bead_type !== 'POSITION' || bead.bead_type !== 'POSITION') return true;
  const [a, b] = [draft.data, bead.data];
  return a.state === b.state && a.previous_state === b.previous_state && a.quantity === b.quantity && a.avg_price === b.avg_price;
}

export function replayPosition(beads: readonly Bead[]): ReplayResult<PositionSnapshot> {
  const anomalies: string[] = [];
  let snapshot: PositionSnapshot | undefined;
  let expected: BeadEmitted[] = [];
  for (const bead of beads) {
    const head = expected[0];
    if (head !== undefined) {
      expected = expected.slice(1);
      if (sameFact(head, bead)) continue;
      anomalies.push(`${bead.bead_id}: expected ${head.draft.bead_type} next, found ${bead.bead_type}`);
    }
    if (bead.bead_type !== 'POSITION') {
      anomalies.push(`${bead.bead_id}: a ${bead.bead_type} bead out of place on a position stream`);
      continue;
    }
    if (snapshot === undefined) {
      const input = positionInputOf(bead);
      if (input === undefined) anomalies.push(`${bead.bead_id}: the stream must start with the SUBMITTED bead, not ${bead.data.state}`);
      else snapshot = initialTransition(positionMachine, input)[0];
      continue;
    }
    const event = positionEventOf(bead);
    const [next, actions] = event === undefined ? [snapshot, []] : transition(positionMachine, snapshot, event);
    const produced = emittedBy<PositionEmitted>(actions).filter((e): e is BeadEmitted => e.type === 'bead');
    if (produced[0] === undefined || !sameFact(produced[0], bead)) {
      anomalies.push(`${bead.bead_id}: ${bead.data.previous_state ?? '?'} → ${bead.data.state} (${parseReason(bead.data.reason).code}) does not follow ${describePosition(snapshot)}`);
      continue;
    }
    expected = produced.slice(1);
    snapshot = next;
  }
  for (const missing of expected) anomalies.push(`the stream ends before its ${missing.draft.bead_type}`);
  return { snapshot: snapshot ?? emptySnapshot(), anomalies };
}

function emptySnapshot(): PositionSnapshot {
  return initialTransition(positionMachine, {
    positionId: 'none',
    intentId: 'none',
    pair: 'EURUSD',
    side: 'LONG',
    quantity: 1,
    plannedEntry: 1,
    stop: 0.9,
    target: 1.1,
    submittedAt: 0,
  })[0];
}

/** The state for people. */
export function describePosition(s: PositionSnapshot): string {
  const c = s.context;
  const state = positionStateOf(s);
  const what = `${c.side} ${c.pair}`;
  switch (state) {
    case 'SUBMITTED':
      return `SUBMITTED: ${what} ${c.orderedQty} ${s.matches({ SUBMITTED: 'working' }) ? 'working at the broker' : 'awaiting acknowledgement'}`;
    case 'STALLED':
      return `STALLED (from ${c.stalledFrom ?? '?'}): ${stallDescription(c)}`;
    case 'CLOSED':
      return `CLOSED by ${c.exitBy ?? '?'}: ${what} ${c.filledQty} @ ${c.avgEntry} → ${c.avgExit}, P&L ${realisedPnl(c)?.toFixed(2) ?? '?'} ${c.pair.slice(3)}`;
    case 'REJECTED':
    case 'CANCELLED':
      return `${state}: ${c.endReason ?? ''}`;
    default:
      return `${state}: ${what} ${c.filledQty - c.exitQty} @ ${c.avgEntry ?? '?'}, stop ${c.stop}, target ${c.target}`;
  }
}

/** The `phoenix replay` hook; registered in tools/replay/machineReplayers.ts. */
export const positionReplayer: MachineReplayerShape = {
  machine: 'position',
  owns: (stream) => stream.startsWith(streams.position('')),
  stateAfter(beads) {
    const { snapshot, anomalies } = replayPosition(beads);
    return anomalies.length === 0 ? describePosition(snapshot) : `${describePosition(snapshot)} [${anomalies.length} bead(s) did not fit]`;
  },
};
