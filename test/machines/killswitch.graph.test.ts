import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import type { Bead } from '../../beads/index.ts';
import { type KillSwitchEmitted, type KillSwitchEvent, killSwitchMachine } from '../../machines/killswitch.ts';
import { type KillSwitchSnapshot, replayKillSwitch } from '../../machines/killswitchReplay.ts';
import { comparableSnapshot, emittedBy } from '../../machines/types.ts';
import { beadsFrom, T0 } from './support.ts';

/**
 * xstate/graph over the kill switch: both states are reachable, the only
 * edge from SET to ARMED is a person's CLEAR with a reason, and every path
 * replays from its KILL_FLAG beads.
 */
const alice = { kind: 'human', id: 'alice', channel: 'TELEGRAM' } as const;
const EVENTS: KillSwitchEvent[] = [
  { type: 'HALT', by: alice, reason: 'drill' },
  { type: 'DRIFT_DETECTED', mode: 'LIVE', reason: 'drift' },
  { type: 'DRIFT_DETECTED', mode: 'PAPER', reason: 'drift' },
  { type: 'GUARD_VIOLATION', reason: 'port' },
  { type: 'LOG_UNAVAILABLE', reason: 'disk' },
  { type: 'CLEAR', by: alice, reason: 'checked' },
  { type: 'CLEAR', by: alice, reason: '' },
  { type: 'CLEAR', by: { kind: 'system', component: 'reconciliation' }, reason: 'resolved' },
];
// Who set the flag is context, not a state: the graph is about ARMED and SET.
const serializeState = (s: KillSwitchSnapshot) => JSON.stringify(s.value);

function replayMatches(steps: { event: KillSwitchEvent }[]): void {
  let snapshot = getShortestPaths(killSwitchMachine, { events: [], serializeState })[0]!.state;
  const beads: Bead[] = [];
  for (const { event } of steps) {
    const [next, actions] = transition(killSwitchMachine, snapshot, event);
    beads.push(...beadsFrom(emittedBy<KillSwitchEmitted>(actions), T0, 'LIVE').filter((b) => b.stream === 'killswitch'));
    snapshot = next;
  }
  const replayed = replayKillSwitch(beads);
  expect(replayed.anomalies).toEqual([]);
  expect(comparableSnapshot(replayed.snapshot)).toEqual(comparableSnapshot(snapshot));
}

describe('kill switch graph', () => {
  it('reaches ARMED and SET, and replays every shortest path', () => {
    const paths = getShortestPaths(killSwitchMachine, { events: EVENTS, serializeState });
    expect(paths.map((p) => p.state.value).sort()).toEqual(['ARMED', 'SET']);
    for (const path of paths) replayMatches(path.steps);
  });

  it('leaves SET only through a CLEAR by a person who gives a reason', () => {
    // Every SET → ARMED edge the graph can find, from a SET reached by each setter.
    for (const setter of EVENTS.filter((e) => e.type !== 'CLEAR' && !(e.type === 'DRIFT_DETECTED' && e.mode !== 'LIVE'))) {
      const [set] = transition(killSwitchMachine, getShortestPaths(killSwitchMachine, { events: [], serializeState })[0]!.state, setter);
      expect(set.value).toBe('SET');
      const paths = getSimplePaths(killSwitchMachine, { events: EVENTS, serializeState, fromState: set, toState: (s) => s.matches('ARMED') });
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) {
        const last = path.steps.at(-1)!.event;
        expect(last).toEqual({ type: 'CLEAR', by: alice, reason: 'checked' });
        replayMatches([{ event: setter }, ...path.steps]);
      }
    }
  });
});
