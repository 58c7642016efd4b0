import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, transition } from 'xstate';
import { getShortestPaths, getStateNodes } from 'xstate/graph';
import { type CheckedEvent, healthOf, heartbeatMachine, type HeartbeatEmitted, type HeartbeatEvent } from '../../machines/heartbeat.ts';
import { checked, INPUT, MIN, staleOrder, T0 } from './heartbeatFixtures.ts';

/**
 * xstate/graph: the shortest path to every state of the machine, each one
 * driven through a live actor to check that it lands where the graph says and
 * that every check on the way wrote exactly one HEARTBEAT bead of the health
 * it reached.
 */

const ESCALATE = { type: 'xstate.after.degradedEscalation.heartbeat.DEGRADED.warning' };

// Graph events carry no varying time: paths are about where the machine goes, timing is the other specs' business.
const EVENTS: HeartbeatEvent[] = [
  checked(T0),
  checked(T0, { details: [staleOrder('ord-1')] }),
  checked(T0, { processAlive: false }),
  checked(T0, { ibkrConnected: false }),
  ESCALATE as unknown as CheckedEvent,
];

const paths = getShortestPaths(heartbeatMachine, {
  input: INPUT,
  events: EVENTS,
  serializeState: (s) => JSON.stringify(s.value),
});

const leafIds = getStateNodes(heartbeatMachine.root)
  .filter((n) => n.type === 'atomic')
  .map((n) => n.id);

describe('heartbeat machine graph', () => {
  it('reaches every state', () => {
    const reached = new Set(paths.map((p) => JSON.stringify(p.state.value)));
    const expected = ['"STARTING"', '"HEALTHY"', '"CRITICAL"', '{"DEGRADED":"warning"}', '{"DEGRADED":"escalated"}'];
    expect([...reached].sort()).toEqual(expected.sort());
    expect(leafIds.sort()).toEqual(['heartbeat.CRITICAL', 'heartbeat.DEGRADED.escalated', 'heartbeat.DEGRADED.warning', 'heartbeat.HEALTHY', 'heartbeat.STARTING'].sort());
  });

  for (const path of paths) {
    const name = path.steps.map((s) => (s.event.type === 'CHECKED' ? `CHECKED(${healthOf(transition(heartbeatMachine, s.state, s.event)[0]) ?? '?'})` : s.event.type)).join(' → ');
    it(`path to ${JSON.stringify(path.state.value)}: ${name || '(initial)'}`, () => {
      const clock = new SimulatedClock();
      const actor = createActor(heartbeatMachine, { input: INPUT, clock });
      const emitted: HeartbeatEmitted[] = [];
      actor.on('*', (e) => emitted.push(e));
      actor.start();
      for (const step of path.steps) {
        if (step.event.type === 'CHECKED') {
          const before = emitted.length;
          actor.send(step.event);
          const beads = emitted.slice(before).filter((e) => e.type === 'bead');
          expect(beads).toHaveLength(1);
          const bead = beads[0]!;
          expect(bead.draft.bead_type === 'HEARTBEAT' && bead.draft.data.status).toBe(healthOf(actor.getSnapshot()));
        } else if (step.event.type === ESCALATE.type) {
          clock.increment(5 * MIN);
        }
      }
      expect(actor.getSnapshot().value).toEqual(path.state.value);
      actor.stop();
    });
  }
});
