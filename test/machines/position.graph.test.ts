import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { getShortestPaths, getStateNodes } from 'xstate/graph';
import type { Bead } from '../../beads/index.ts';
import { type PositionEmitted, type PositionEvent, type PositionInput, positionMachine } from '../../machines/position.ts';
import { comparablePosition, type PositionSnapshot, replayPosition } from '../../machines/positionReplay.ts';
import { beadsFrom, T0 } from './support.ts';

/**
 * xstate/graph: the shortest path to every state of the position machine,
 * each driven through a live actor: every transition writes exactly one
 * POSITION bead (CLOSED adds its AUTOPSY), and the beads replay to the live
 * snapshot. Graph events carry fixed times; timing is the other specs' business.
 */

const INPUT: PositionInput = {
  positionId: 'pos-g',
  intentId: 'cse-g',
  pair: 'GBPUSD',
  side: 'LONG',
  quantity: 10_000,
  plannedEntry: 1.27,
  stop: 1.267,
  target: 1.276,
  submittedAt: T0,
  timeScale: 0.001,
};

const EVENTS: PositionEvent[] = [
  { type: 'ENTRY_ACKNOWLEDGED', at: T0 + 1 },
  { type: 'ENTRY_FILLED', filled: 4_000, avgPrice: 1.2701, at: T0 + 2 },
  { type: 'ENTRY_FILLED', filled: 10_000, avgPrice: 1.2702, at: T0 + 3 },
  { type: 'ENTRY_REJECTED', reason: 'bad contract', at: T0 + 2 },
  { type: 'ENTRY_CANCELLED', reason: 'halt', at: T0 + 2 },
  { type: 'PROTECTION_WORKING', at: T0 + 4 },
  { type: 'CLOSE_REQUESTED', by: 'cli:alice', at: T0 + 5 },
  { type: 'EXIT_FILLED', filled: 10_000, avgPrice: 1.276, by: 'TARGET', at: T0 + 6 },
  { type: 'CLOCK', at: T0 + 100_000 },
  { type: 'BROKER_CONFIRMED', at: T0 + 100_001 },
  { type: 'RESUME', at: T0 + 100_002 },
];

const serializeState = (s: PositionSnapshot) => JSON.stringify(s.value);
const paths = getShortestPaths(positionMachine, { input: INPUT, events: EVENTS, serializeState });
const leaves = getStateNodes(positionMachine.root)
  .filter((n) => n.type === 'atomic' || n.type === 'final')
  .map((n) => n.id);

describe('position machine graph', () => {
  it('reaches all nine states (SUBMITTED as awaiting its acknowledgement and working)', () => {
    const reached = paths.map((p) => serializeState(p.state)).sort();
    expect(reached).toEqual(
      [
        '{"SUBMITTED":"awaitingAck"}',
        '{"SUBMITTED":"working"}',
        '"PARTIAL"',
        '"FILLED"',
        '"MANAGED"',
        '"CLOSING"',
        '"CLOSED"',
        '"REJECTED"',
        '"CANCELLED"',
        '"STALLED"',
      ].sort(),
    );
    expect(leaves).toHaveLength(reached.length);
  });

  for (const path of paths) {
    const name = path.steps.map((s) => s.event.type).join(' → ');
    it(`path to ${serializeState(path.state)}: ${name || '(initial)'}`, () => {
      const clock = new SimulatedClock();
      clock.set(T0);
      const actor = createActor(positionMachine, { input: INPUT, clock });
      const emitted: PositionEmitted[] = [];
      const beads: Bead[] = [];
      actor.on('*', (e) => {
        emitted.push(e);
        beads.push(...beadsFrom([e], T0));
      });
      actor.start();
      for (const { event } of path.steps) {
        const before = actor.getSnapshot();
        const count = beads.length;
        actor.send(event);
        const written = beads.slice(count).map((b) => b.bead_type);
        const moved = JSON.stringify(before.value) !== JSON.stringify(actor.getSnapshot().value);
        if (moved) expect(written).toEqual(actor.getSnapshot().value === 'CLOSED' ? ['POSITION', 'AUTOPSY'] : ['POSITION']);
      }
      expect(actor.getSnapshot().value).toEqual(path.state.value);
      const { snapshot, anomalies } = replayPosition(beads);
      expect(anomalies).toEqual([]);
      expect(comparablePosition(snapshot)).toEqual(comparablePosition(actor.getSnapshot()));
      actor.stop();
    });
  }
});
