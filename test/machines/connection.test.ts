import { describe, expect, it } from 'vitest';
import { createActor, initialTransition, SimulatedClock } from 'xstate';
import type { Bead, BeadData } from '../../beads/index.ts';
import {
  type ConnectionEmitted,
  type ConnectionEvent,
  type ConnectionInput,
  connectionMachine,
  ESCALATION_MESSAGE,
  PROBE_TIMEOUT_REASON,
} from '../../machines/connection.ts';
import { type ConnectionSnapshot, connectionReplayer, replayConnection } from '../../machines/connectionReplay.ts';
import { advance, beadsFrom, decide, draftsOf, stampAt, T0 } from './support.ts';

const INPUT: ConnectionInput = { host: 'h1', runId: 'run-1', mode: 'PAPER', account: 'DU1234567', port: 4002 };
const SESSION = { mode: 'PAPER', account: 'DU1234567', port: 4002 } as const;

function session(data: Omit<BeadData<'IBKR_SESSION'>, 'mode' | 'account' | 'port'>, correlation = 'run-1', at = T0): Bead {
  return stampAt({ bead_type: 'IBKR_SESSION', stream: 'connection-h1', correlation_id: correlation, data: { ...SESSION, ...data } }, at);
}
const OUTAGE = 'run-1/outage-1';
const connected = () => session({ event: 'CONNECT', reconnect_attempt: 0, server_version: 178 });
const lost = (reason = 'socket closed', at = T0 + 1_000) => session({ event: 'DISCONNECT', reason }, OUTAGE, at);
const attemptStarted = (n: number) => session({ event: 'RECONNECT', reconnect_attempt: n, reason: `attempt ${n}` }, OUTAGE);
const attemptFailed = (n: number, reason = 'connection refused') =>
  session({ event: 'RECONNECT', reconnect_attempt: n, escalated: n === 3, reason }, OUTAGE);

/** Given these beads: the machine as replay rebuilds it. */
function given(...beads: Bead[]): ConnectionSnapshot {
  // An empty stream names no host or account: a fresh run starts from the input instead.
  if (beads.length === 0) return initialTransition(connectionMachine, INPUT)[0];
  const { snapshot, anomalies } = replayConnection(beads);
  expect(anomalies).toEqual([]);
  return snapshot;
}
function when(snapshot: ConnectionSnapshot, event: ConnectionEvent) {
  return decide<typeof connectionMachine, ConnectionEmitted>(connectionMachine, snapshot, event);
}
function commands(emitted: ConnectionEmitted[]) {
  return emitted.filter((e) => e.type === 'command');
}
const backoffEnds = (n: number) =>
  ({ type: connectionMachine.getStateNodeById(`connection.RECONNECTING.backoff${n}`).after[0]!.eventType }) as unknown as ConnectionEvent;

describe('connection machine: given beads, when an event, then beads', () => {
  it('asks the connector to dial when a connect is requested, and records nothing until the session is validated', () => {
    const { snapshot, emitted } = when(given(), { type: 'CONNECT_REQUESTED' });
    expect(snapshot.value).toBe('CONNECTING');
    expect(emitted).toEqual([{ type: 'command', command: 'connect', attempt: 0 }]);
  });

  it('records CONNECT once the guards pass, then resyncs, resubscribes and reconciles, in that order', () => {
    const validating = when(when(given(), { type: 'CONNECT_REQUESTED' }).snapshot, { type: 'SOCKET_CONNECTED' });
    expect(validating.emitted).toEqual([{ type: 'command', command: 'validate', attempt: 0 }]);
    const { snapshot, emitted } = when(validating.snapshot, { type: 'VALIDATION_PASSED', serverVersion: 178 });
    expect(snapshot.value).toBe('CONNECTED');
    expect(draftsOf(emitted)).toEqual([
      {
        bead_type: 'IBKR_SESSION',
        stream: 'connection-h1',
        correlation_id: 'run-1',
        data: { ...SESSION, event: 'CONNECT', reconnect_attempt: 0, server_version: 178 },
      },
    ]);
    expect(commands(emitted)).toEqual([
      { type: 'command', command: 'resync', since: null },
      { type: 'command', command: 'resubscribe' },
      { type: 'command', command: 'reconcile', trigger: 'STARTUP' },
    ]);
  });

  it('records DISCONNECT at the moment of loss, tears the socket down and raises CONNECTION_LOST', () => {
    const { snapshot, emitted } = when(given(connected()), { type: 'CONNECTION_LOST', reason: 'socket closed', at: T0 + 1_000 });
    expect(snapshot.value).toEqual({ RECONNECTING: 'backoff1' });
    expect(emitted).toEqual([
      {
        type: 'bead',
        at: T0 + 1_000,
        draft: { bead_type: 'IBKR_SESSION', stream: 'connection-h1', correlation_id: OUTAGE, data: { ...SESSION, event: 'DISCONNECT', reason: 'socket closed' } },
      },
      { type: 'command', command: 'disconnect', reason: 'socket closed' },
      expect.objectContaining({ type: 'alert', alertType: 'CONNECTION_LOST', dedupeKey: 'CONNECTION_LOST:h1' }),
    ]);
  });

  it('treats an unanswered liveness probe (a half-open gateway) as a loss', () => {
    const { snapshot, emitted } = when(given(connected()), { type: 'PROBE_TIMEOUT', at: T0 + 2_000 });
    expect(snapshot.value).toEqual({ RECONNECTING: 'backoff1' });
    expect(draftsOf(emitted)[0]?.data).toMatchObject({ event: 'DISCONNECT', reason: PROBE_TIMEOUT_REASON });
  });

  it('writes the RECONNECT attempt bead before asking the connector to dial', () => {
    const { snapshot, emitted } = when(given(connected(), lost()), backoffEnds(1));
    expect(snapshot.value).toEqual({ RECONNECTING: { attempt: 'connecting' } });
    expect(emitted.map((e) => e.type)).toEqual(['bead', 'command']);
    expect(draftsOf(emitted)[0]?.data).toMatchObject({ event: 'RECONNECT', reconnect_attempt: 1 });
    expect(draftsOf(emitted)[0]?.data).not.toHaveProperty('escalated');
    expect(commands(emitted)).toEqual([{ type: 'command', command: 'connect', attempt: 1 }]);
  });

  it('handles "client id in use" (326) as a failed attempt with a clear reason', () => {
    const reason = 'client id 7 is in use (326)';
    const { snapshot, emitted } = when(given(connected(), lost(), attemptStarted(1)), { type: 'ATTEMPT_FAILED', reason });
    expect(snapshot.value).toEqual({ RECONNECTING: 'backoff2' });
    expect(draftsOf(emitted)[0]?.data).toEqual({ ...SESSION, event: 'RECONNECT', reconnect_attempt: 1, escalated: false, reason });
  });

  it('escalates on the third failure: RECONNECT escalated=true, CONNECTION_ESCALATED "Connection rotting — run RB-001", final', () => {
    const history = [connected(), lost(), attemptStarted(1), attemptFailed(1), attemptStarted(2), attemptFailed(2), attemptStarted(3)];
    const { snapshot, emitted } = when(given(...history), { type: 'ATTEMPT_FAILED', reason: 'connection refused' });
    expect(snapshot.value).toBe('ESCALATED');
    expect(snapshot.status).toBe('done');
    expect(draftsOf(emitted)[0]?.data).toMatchObject({ event: 'RECONNECT', reconnect_attempt: 3, escalated: true });
    const alert = emitted.find((e) => e.type === 'alert');
    expect(alert).toMatchObject({ alertType: 'CONNECTION_ESCALATED' });
    expect(alert && 'message' in alert ? alert.message : '').toContain(ESCALATION_MESSAGE);
  });

  it('after a reconnect: re-validates, records CONNECT, then resyncs since the loss, resubscribes, reconciles', () => {
    const history = [connected(), lost('socket closed', T0 + 1_000), attemptStarted(1), attemptFailed(1), attemptStarted(2)];
    const validating = when(given(...history), { type: 'SOCKET_CONNECTED' });
    expect(validating.emitted).toEqual([{ type: 'command', command: 'validate', attempt: 2 }]);
    const { snapshot, emitted } = when(validating.snapshot, { type: 'VALIDATION_PASSED', serverVersion: 178 });
    expect(snapshot.value).toBe('CONNECTED');
    expect(snapshot.context.attempt).toBe(0);
    expect(emitted.map((e) => (e.type === 'command' ? e.command : e.type === 'alert' ? e.alertType : e.draft.data))).toEqual([
      expect.objectContaining({ event: 'CONNECT', reconnect_attempt: 2 }),
      'CONNECTION_RESTORED',
      'resync',
      'resubscribe',
      'reconcile',
    ]);
    expect(commands(emitted)).toContainEqual({ type: 'command', command: 'resync', since: T0 + 1_000 });
    expect(commands(emitted)).toContainEqual({ type: 'command', command: 'reconcile', trigger: 'RECONNECT' });
    // The restoration is the loss's RESOLVED notice, so the notifier pairs them by the loss's key.
    expect(emitted.find((e) => e.type === 'alert')).toMatchObject({ alertType: 'CONNECTION_RESTORED', dedupeKey: 'CONNECTION_LOST:h1' });
  });

  it('goes to GUARD_FAILED, final, when startup validation fails, and says why', () => {
    const validating = when(when(given(), { type: 'CONNECT_REQUESTED' }).snapshot, { type: 'SOCKET_CONNECTED' }).snapshot;
    const { snapshot, emitted } = when(validating, { type: 'VALIDATION_FAILED', reason: 'account DU1234567 is not managed' });
    expect(snapshot.value).toBe('GUARD_FAILED');
    expect(snapshot.status).toBe('done');
    expect(draftsOf(emitted)[0]?.data).toMatchObject({ event: 'DISCONNECT', reason: 'guard failed: account DU1234567 is not managed' });
    expect(emitted).toContainEqual(expect.objectContaining({ type: 'alert', alertType: 'GUARD_VIOLATION' }));
  });

  it('treats a first connect that fails as the start of an outage, with nothing to recover since', () => {
    const { snapshot, emitted } = when(when(given(), { type: 'CONNECT_REQUESTED' }).snapshot, { type: 'ATTEMPT_FAILED', reason: 'ECONNREFUSED' });
    expect(snapshot.value).toEqual({ RECONNECTING: 'backoff1' });
    expect(snapshot.context.lostAt).toBeNull();
    expect(draftsOf(emitted)[0]?.data).toMatchObject({ event: 'DISCONNECT', reason: 'ECONNREFUSED' });
  });

  it('after first connects that failed, the first session still resyncs everything and reconciles as STARTUP', () => {
    const initialFailure = session({ event: 'DISCONNECT', reason: 'ECONNREFUSED' }, OUTAGE);
    const validating = when(given(initialFailure, attemptStarted(1)), { type: 'SOCKET_CONNECTED' }).snapshot;
    const { emitted } = when(validating, { type: 'VALIDATION_PASSED', serverVersion: 178 });
    expect(commands(emitted)).toEqual([
      { type: 'command', command: 'resync', since: null },
      { type: 'command', command: 'resubscribe' },
      { type: 'command', command: 'reconcile', trigger: 'STARTUP' },
    ]);
  });

  it('does nothing at all once ESCALATED: no event leads anywhere', () => {
    const history = [connected(), lost(), attemptStarted(1), attemptFailed(1), attemptStarted(2), attemptFailed(2), attemptStarted(3), attemptFailed(3)];
    const escalated = given(...history);
    const events: ConnectionEvent[] = [
      { type: 'CONNECT_REQUESTED' },
      { type: 'SOCKET_CONNECTED' },
      { type: 'VALIDATION_PASSED' },
      { type: 'CONNECTION_LOST', reason: 'x', at: T0 },
      { type: 'ATTEMPT_FAILED', reason: 'x' },
    ];
    for (const event of events) {
      const { snapshot, emitted } = when(escalated, event);
      expect(snapshot.value).toBe('ESCALATED');
      expect(emitted).toEqual([]);
    }
  });
});

describe('connection replay', () => {
  it('shows the state of the last run of a stream that spans restarts', () => {
    const escalatedRun = [connected(), lost(), attemptStarted(1), attemptFailed(1), attemptStarted(2), attemptFailed(2), attemptStarted(3), attemptFailed(3)];
    const nextRun = stampAt({ bead_type: 'IBKR_SESSION', stream: 'connection-h1', correlation_id: 'run-2', data: { ...SESSION, event: 'CONNECT', reconnect_attempt: 0 } }, T0 + 600_000);
    expect(connectionReplayer.stateAfter(escalatedRun)).toMatch(/^ESCALATED: Connection rotting — run RB-001/);
    expect(connectionReplayer.stateAfter([...escalatedRun, nextRun])).toBe('CONNECTED to PAPER account DU1234567 on port 4002');
    expect(connectionReplayer.owns('connection-h1')).toBe(true);
    expect(connectionReplayer.owns('killswitch')).toBe(false);
  });

  it('reports a bead that does not follow from the state instead of guessing', () => {
    const { snapshot, anomalies } = replayConnection([connected(), attemptStarted(2)]);
    expect(snapshot.value).toBe('CONNECTED');
    expect(anomalies).toHaveLength(1);
    expect(connectionReplayer.stateAfter([connected(), attemptStarted(2)])).toMatch(/\[1 bead\(s\) did not fit\]$/);
  });
});

describe('INV-IBKR-RECONNECT-1: at most 3 attempts (5/15/45 s), then escalation and a manual restart', () => {
  function liveRun(timeScale: number) {
    const clock = new SimulatedClock();
    clock.set(T0);
    const actor = createActor(connectionMachine, { input: { ...INPUT, timeScale }, clock });
    const emitted: { at: number; e: ConnectionEmitted }[] = [];
    actor.on('*', (e) => emitted.push({ at: clock.now(), e }));
    actor.start();
    actor.send({ type: 'CONNECT_REQUESTED' });
    actor.send({ type: 'SOCKET_CONNECTED' });
    actor.send({ type: 'VALIDATION_PASSED', serverVersion: 178 });
    return { actor, clock, emitted };
  }

  it.each([
    ['every attempt is refused at once', 'refuse'],
    ['every attempt hangs until its timeout', 'hang'],
  ] as const)('waits 5, 15 and 45 s (scaled) before the attempts when %s, then stops for good', (_, how) => {
    const scale = 0.001;
    const { actor, clock, emitted } = liveRun(scale);
    const lossAt = clock.now();
    actor.send({ type: 'CONNECTION_LOST', reason: 'socket closed', at: lossAt });
    const dials: number[] = [];
    const failures: number[] = [];
    actor.on('command', (c) => {
      if (c.command !== 'connect') return;
      dials.push(clock.now() - lossAt);
      if (how === 'refuse') actor.send({ type: 'ATTEMPT_FAILED', reason: 'ECONNREFUSED' });
    });
    actor.on('bead', (b) => {
      if (b.draft.bead_type === 'IBKR_SESSION' && b.draft.data.escalated !== undefined) failures.push(clock.now() - lossAt);
    });
    advance(clock, 1_000);
    expect(actor.getSnapshot().value).toBe('ESCALATED');
    expect(dials).toHaveLength(3);
    const timeout = how === 'hang' ? 15 : 0;
    expect(dials).toEqual([5, 5 + timeout + 15, 5 + timeout + 15 + timeout + 45]);
    expect(failures.at(-1)).toBe(65 + 3 * timeout);
    const countAtEscalation = emitted.length;
    advance(clock, 10_000);
    expect(emitted.length).toBe(countAtEscalation);
    // Done means stopped: the actor takes no further event, so only a restart brings the connection back.
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('records exactly the beads S3.1 names, and replaying them rebuilds the escalated machine', () => {
    const { actor, clock, emitted } = liveRun(0.001);
    actor.send({ type: 'CONNECTION_LOST', reason: 'socket closed', at: clock.now() });
    actor.on('command', (c) => c.command === 'connect' && actor.send({ type: 'ATTEMPT_FAILED', reason: 'ECONNREFUSED' }));
    advance(clock, 100);
    const beads = emitted.flatMap(({ at, e }) => beadsFrom([e], at));
    expect(beads.map((b) => (b.bead_type === 'IBKR_SESSION' ? `${b.data.event}:${b.data.reconnect_attempt}:${b.data.escalated ?? '-'}` : ''))).toEqual([
      'CONNECT:0:-',
      'DISCONNECT:0:-',
      'RECONNECT:1:-',
      'RECONNECT:1:false',
      'RECONNECT:2:-',
      'RECONNECT:2:false',
      'RECONNECT:3:-',
      'RECONNECT:3:true',
    ]);
    const replayed = replayConnection(beads, { timeScale: 0.001 });
    expect(replayed.anomalies).toEqual([]);
    expect(replayed.snapshot.value).toEqual(actor.getSnapshot().value);
    expect(replayed.snapshot.context).toEqual(actor.getSnapshot().context);
  });
});
