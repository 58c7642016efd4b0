import { describe, expect, it } from 'vitest';
import { type AnyStateNode, transition } from 'xstate';
import { getShortestPaths, getSimplePaths, getStateNodes } from 'xstate/graph';
import type { Bead } from '../../beads/index.ts';
import { type ConnectionEmitted, type ConnectionEvent, type ConnectionInput, connectionMachine } from '../../machines/connection.ts';
import { type ConnectionSnapshot, replayConnection } from '../../machines/connectionReplay.ts';
import { parseMaintenanceWindow } from '../../machines/connectionWindow.ts';
import { comparableSnapshot, emittedBy } from '../../machines/types.ts';
import { beadsFrom, T0 } from './support.ts';

/**
 * xstate/graph over the connection machine: every state is reachable, each
 * shortest path replays from its own beads, and every simple path into
 * ESCALATED makes exactly three attempts first.
 */
// T0 (09:00 UTC) falls in this window, and two hours before it does not.
const parsedWindow = parseMaintenanceWindow('08:30-09:30 UTC');
if (!parsedWindow.ok) throw new Error(parsedWindow.reason);
const WINDOW = parsedWindow.window;
const INPUT: ConnectionInput = { host: 'h1', runId: 'run-1', mode: 'PAPER', account: 'DU1234567', port: 4002, maintenance: WINDOW };
const OUTSIDE_WINDOW = T0 - 2 * 3_600_000;

// Delays fire as events of their own; the graph needs them listed to walk through the timers.
const afterEvents = getStateNodes(connectionMachine.root).flatMap((node: AnyStateNode) =>
  node.after.map((t) => ({ type: t.eventType }) as unknown as ConnectionEvent),
);
const EVENTS: ConnectionEvent[] = [
  { type: 'CONNECT_REQUESTED' },
  { type: 'SOCKET_CONNECTED' },
  { type: 'VALIDATION_PASSED', serverVersion: 178 },
  // A gateway that comes back another version has restarted (RB-007).
  { type: 'VALIDATION_PASSED', serverVersion: 187 },
  { type: 'VALIDATION_FAILED', reason: 'account not managed' },
  { type: 'CONNECTION_LOST', reason: 'socket closed', at: OUTSIDE_WINDOW },
  { type: 'CONNECTION_LOST', reason: 'socket closed', at: T0 },
  { type: 'PROBE_TIMEOUT', at: OUTSIDE_WINDOW },
  { type: 'ATTEMPT_FAILED', reason: 'client id in use (326)' },
  ...afterEvents,
];
// The attempt count, the server version and a maintenance wait decide where an event leads, so they are part of a state here; outage counters are not.
const serializeState = (s: ConnectionSnapshot) => JSON.stringify([s.value, s.context.attempt, s.context.serverVersion, s.context.maintenanceUntil !== null]);
const serializeAttempt = (s: ConnectionSnapshot) => JSON.stringify([s.value, s.context.attempt]);

const leafIds = getStateNodes(connectionMachine.root)
  .filter((n) => n.type === 'atomic' || n.type === 'final')
  .map((n) => n.id)
  .sort();

/** Walks a path through the pure transition, stamping beads and noting the snapshot after the last bead. */
function walk(steps: { event: ConnectionEvent }[]) {
  let snapshot = getShortestPaths(connectionMachine, { input: INPUT, events: [], serializeState })[0]!.state;
  const beads: Bead[] = [];
  let atLastBead: ConnectionSnapshot | undefined;
  for (const { event } of steps) {
    const [next, actions] = transition(connectionMachine, snapshot, event);
    const added = beadsFrom(emittedBy<ConnectionEmitted>(actions), T0);
    beads.push(...added);
    if (added.length > 0) atLastBead = next;
    snapshot = next;
  }
  return { snapshot, beads, atLastBead };
}

describe('connection machine graph', () => {
  const paths = getShortestPaths(connectionMachine, { input: INPUT, events: EVENTS, serializeState });

  it('reaches every state', () => {
    const reached = new Set(paths.flatMap((p) => [...p.state._nodes].filter((n) => n.type === 'atomic' || n.type === 'final').map((n) => n.id)));
    expect([...reached].sort()).toEqual(leafIds);
    expect(leafIds).toEqual(
      [
        'connection.CONNECTED',
        'connection.CONNECTING',
        'connection.DISCONNECTED',
        'connection.ESCALATED',
        'connection.GUARD_FAILED',
        'connection.RECONNECTING.attempt.connecting',
        'connection.RECONNECTING.attempt.validating',
        'connection.RECONNECTING.backoff1',
        'connection.RECONNECTING.backoff2',
        'connection.RECONNECTING.backoff3',
        'connection.RECONNECTING.maintenance',
        'connection.VALIDATING',
      ].sort(),
    );
  });

  for (const path of paths) {
    const name = path.steps.map((s) => s.event.type.replace(/^xstate\.after\.(\w+)\..*$/, 'after $1')).join(' → ');
    it(`replays the beads of the path to ${serializeState(path.state)}: ${name || '(initial)'}`, () => {
      const { snapshot, beads, atLastBead } = walk(path.steps);
      expect(snapshot.value).toEqual(path.state.value);
      if (atLastBead === undefined) return;
      // A run that never lost a session in its window does not name it in a bead: replay is told, as the host's config would.
      const replayed = replayConnection(beads, { maintenance: WINDOW });
      expect(replayed.anomalies).toEqual([]);
      expect(comparableSnapshot(replayed.snapshot)).toEqual(comparableSnapshot(atLastBead));
    });
  }

  it('INV-IBKR-RECONNECT-1: every simple path into ESCALATED makes exactly three attempts in its last outage, the third escalated', () => {
    // Every way an attempt can fail, but one way to lose a session: the probe and a socket loss lead to the same states.
    const events = EVENTS.filter(
      (e) => e.type !== 'PROBE_TIMEOUT' && e.type !== 'VALIDATION_FAILED' && !(e.type === 'CONNECTION_LOST' && e.at === T0) && !(e.type === 'VALIDATION_PASSED' && e.serverVersion === 187),
    );
    const toEscalated = getSimplePaths(connectionMachine, { input: INPUT, events, serializeState: serializeAttempt, toState: (s) => s.matches('ESCALATED') });
    expect(toEscalated.length).toBeGreaterThan(100);
    for (const path of toEscalated) {
      // The steps carry the snapshots: count the attempts begun since the outage began.
      const outageStart = path.steps.findLastIndex((step, i) => step.state.matches({ RECONNECTING: 'backoff1' }) && !path.steps[i - 1]?.state.matches({ RECONNECTING: 'backoff1' }));
      const begun = path.steps.slice(outageStart).filter((step, i, all) => step.state.matches({ RECONNECTING: 'attempt' }) && !all[i - 1]?.state.matches({ RECONNECTING: 'attempt' }));
      expect(begun.map((step) => step.state.context.attempt)).toEqual([1, 2, 3]);
    }
    // Re-walking every path for its beads is slow; a spread of them shows the beads say the same.
    for (const path of toEscalated.filter((_, i) => i % 50 === 0)) {
      const { beads } = walk(path.steps);
      const lastOutage = beads.at(-1)!.correlation_id;
      const kinds = beads
        .filter((b) => b.correlation_id === lastOutage)
        .map((b) => (b.bead_type === 'IBKR_SESSION' ? `${b.data.event}${b.data.escalated === undefined ? '' : `/${b.data.escalated}`}` : ''));
      expect(kinds.filter((k) => k === 'RECONNECT')).toHaveLength(3);
      expect(kinds.at(-1)).toBe('RECONNECT/true');
      expect(kinds.filter((k) => k === 'RECONNECT/true')).toHaveLength(1);
    }
  });

  it('a loss in the maintenance window waits for its end, then makes the same three attempts, and escalation still comes after the third', () => {
    const events = EVENTS.filter(
      (e) => e.type !== 'PROBE_TIMEOUT' && e.type !== 'VALIDATION_FAILED' && !(e.type === 'CONNECTION_LOST' && e.at !== T0) && !(e.type === 'VALIDATION_PASSED' && e.serverVersion === 187),
    );
    const serializeWait = (s: ConnectionSnapshot) => JSON.stringify([s.value, s.context.attempt, s.context.maintenanceUntil !== null]);
    const toEscalated = getSimplePaths(connectionMachine, { input: INPUT, events, serializeState: serializeWait, toState: (s) => s.matches('ESCALATED') });
    const viaWindow = toEscalated.filter((p) => p.steps.some((step) => step.state.matches({ RECONNECTING: 'maintenance' })));
    expect(viaWindow.length).toBeGreaterThan(10);
    for (const path of viaWindow) {
      const waitStart = path.steps.findLastIndex((step) => step.state.matches({ RECONNECTING: 'maintenance' }));
      const after = path.steps.slice(waitStart);
      // Out of the window only into attempt 1: no attempt is made while it lasts.
      expect(after[1]!.state.matches({ RECONNECTING: 'attempt' })).toBe(true);
      expect(after[1]!.state.context.attempt).toBe(1);
      const begun = after.filter((step, i, all) => step.state.matches({ RECONNECTING: 'attempt' }) && !all[i - 1]?.state.matches({ RECONNECTING: 'attempt' }));
      expect(begun.map((step) => step.state.context.attempt)).toEqual([1, 2, 3]);
    }
  });
});
