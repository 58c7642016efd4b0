import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import type { Bead } from '../../beads/index.ts';
import { bunnyVerdictEvent, configChangedEvent, type PromotionEmitted, type PromotionEvent, promotionMachine } from '../../machines/promotion.ts';
import { decisionEventOf, type PromotionSnapshot, replayPromotion } from '../../machines/promotionReplay.ts';
import { comparableSnapshot, emittedBy } from '../../machines/types.ts';
import { bunny, configChange, decision, INPUT, MET, OPS_MISSING, PHASE1_MISSING, T0, WINDOW_MS } from './promotionFixtures.ts';
import { beadsFrom } from './support.ts';

/**
 * xstate/graph over the promotion machine: every state is reachable, the
 * only edge into LIVE_ACTIVE is a person's decision with a name and a
 * reason, and every path replays from its beads.
 */
const inputs: Bead[] = [configChange('ORDER_UNITS', 30_000, T0 + 2), bunny('bunny-1', 'CV_S33_1', 'FAIL', T0 + 1), decision('alice', 'five clean days', T0 + WINDOW_MS + 1), decision(' ', 'no name', T0 + WINDOW_MS + 1)];
const byId = new Map(inputs.map((b) => [b.bead_id, b]));
const EVENTS: PromotionEvent[] = [
  { type: 'FACTS', at: T0, facts: MET },
  { type: 'FACTS', at: T0 + WINDOW_MS, facts: MET },
  { type: 'FACTS', at: T0 + WINDOW_MS, facts: OPS_MISSING },
  { type: 'FACTS', at: T0 + WINDOW_MS, facts: PHASE1_MISSING },
  configChangedEvent(inputs[0] as never),
  bunnyVerdictEvent(inputs[1] as never),
  decisionEventOf(inputs[2] as never)!,
  decisionEventOf(inputs[3] as never)!,
];
// The state and what decides its next moves: where the window started and whether a sweep is owed.
const serializeState = (s: PromotionSnapshot) => JSON.stringify([s.value, s.context.windowFrom, s.context.sweep?.runId ?? null]);
const start = () => getShortestPaths(promotionMachine, { events: [], serializeState, input: INPUT })[0]!.state;

function replayMatches(steps: readonly { event: PromotionEvent }[]): void {
  let snapshot = start();
  const log: Bead[] = [];
  for (const { event } of steps) {
    if ('beadId' in event) log.push(byId.get(event.beadId)!);
    const [next, actions] = transition(promotionMachine, snapshot, event);
    log.push(...beadsFrom(emittedBy<PromotionEmitted>(actions), event.at));
    snapshot = next;
  }
  const replayed = replayPromotion(log, INPUT);
  expect(replayed.anomalies).toEqual([]);
  expect(comparableSnapshot(replayed.snapshot)).toEqual(comparableSnapshot(snapshot));
}

describe('promotion graph', () => {
  it('reaches every state, and replays every shortest path', () => {
    const paths = getShortestPaths(promotionMachine, { events: EVENTS, serializeState, input: INPUT });
    expect([...new Set(paths.map((p) => p.state.value as string))].sort()).toEqual(['LIVE_ACTIVE', 'LIVE_ELIGIBLE', 'PAPER_VALIDATED', 'SHADOW']);
    for (const path of paths) replayMatches(path.steps);
  });

  it('enters LIVE_ACTIVE only through a named person’s decision, and every simple path there replays', () => {
    const paths = getSimplePaths(promotionMachine, { events: EVENTS, serializeState, input: INPUT, toState: (s) => s.matches('LIVE_ACTIVE') });
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const into = path.steps.findIndex((s) => s.state.matches('LIVE_ACTIVE'));
      expect(path.steps[into]!.event).toMatchObject({ type: 'DECISION', decidedBy: 'alice', reason: 'five clean days' });
      expect(path.steps[into - 1]!.state.value).toBe('LIVE_ELIGIBLE');
      replayMatches(path.steps);
    }
  });
});
