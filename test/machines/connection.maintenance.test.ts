import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition } from 'xstate';
import { type ConnectionEmitted, type ConnectionEvent, type ConnectionInput, connectionMachine } from '../../machines/connection.ts';
import { type ConnectionSnapshot, connectionReplayer, replayConnection } from '../../machines/connectionReplay.ts';
import { maintenanceEndAfter, parseMaintenanceWindow } from '../../machines/connectionWindow.ts';
import { beadsFrom, decide, draftsOf, T0 } from './support.ts';

/**
 * S3.1's maintenance window, given / when / then: a loss inside
 * IBKR_MAINTENANCE_WINDOW is a WARNING and waits for the window's end before
 * attempt 1; a gateway that comes back from it, or with another server
 * version, has restarted (GATEWAY_RESTARTED, RB-007) and is resynced in full.
 */

function windowOf(text: string) {
  const parsed = parseMaintenanceWindow(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.window;
}

// T0 is 2026-11-24 09:00 UTC, 04:00 in New York: inside this window, which ends at 04:30 there (09:30 UTC).
const WINDOW = windowOf('03:45-04:30 America/New_York');
const INPUT: ConnectionInput = { host: 'h1', runId: 'run-1', mode: 'PAPER', account: 'DU1234567', port: 4002, maintenance: WINDOW };
const WINDOW_END = Date.parse('2026-11-24T09:30:00.000Z');

function when(snapshot: ConnectionSnapshot, event: ConnectionEvent) {
  return decide<typeof connectionMachine, ConnectionEmitted>(connectionMachine, snapshot, event);
}
const afterEvent = (node: string) => ({ type: connectionMachine.getStateNodeById(`connection.RECONNECTING.${node}`).after[0]!.eventType }) as unknown as ConnectionEvent;

/** Runs events from a fresh machine, collecting everything emitted. */
function run(events: ConnectionEvent[]): { snapshot: ConnectionSnapshot; emitted: ConnectionEmitted[] } {
  let snapshot = initialTransition(connectionMachine, INPUT)[0];
  const emitted: ConnectionEmitted[] = [];
  for (const event of events) {
    const step = when(snapshot, event);
    snapshot = step.snapshot;
    emitted.push(...step.emitted);
  }
  return { snapshot, emitted };
}

const connect = (serverVersion = 178): ConnectionEvent[] => [
  { type: 'CONNECT_REQUESTED' },
  { type: 'SOCKET_CONNECTED' },
  { type: 'VALIDATION_PASSED', serverVersion },
];
const lossInWindow: ConnectionEvent = { type: 'CONNECTION_LOST', reason: 'the gateway closed the connection', at: T0 };
const lossOutside: ConnectionEvent = { type: 'CONNECTION_LOST', reason: 'the gateway closed the connection', at: T0 + 3 * 3_600_000 };
const back = (serverVersion = 178): ConnectionEvent[] => [{ type: 'SOCKET_CONNECTED' }, { type: 'VALIDATION_PASSED', serverVersion }];

describe('connection machine: the maintenance window', () => {
  it('a loss inside the window: DISCONNECT names the window and its end, a WARNING (not CONNECTION_LOST), and no attempt yet', () => {
    const { snapshot, emitted } = run([...connect(), lossInWindow]);
    expect(snapshot.value).toEqual({ RECONNECTING: 'maintenance' });
    expect(draftsOf(emitted).at(-1)?.data).toMatchObject({
      event: 'DISCONNECT',
      reason: `in the maintenance window 03:45-04:30 America/New_York until 2026-11-24T09:30:00.000Z: the gateway closed the connection`,
    });
    const alerts = emitted.filter((e) => e.type === 'alert');
    expect(alerts.map((a) => a.alertType)).toEqual(['GATEWAY_MAINTENANCE']);
    expect(alerts[0]?.message).toMatch(/inside its maintenance window 03:45-04:30 America\/New_York.*attempts start when the window ends, at 2026-11-24T09:30:00.000Z/);
    expect(emitted.filter((e) => e.type === 'command').map((c) => c.command)).toEqual(['connect', 'validate', 'resync', 'resubscribe', 'reconcile', 'disconnect']);
  });

  it('waits exactly until the window ends (scaled like every delay), then makes attempt 1; the 15 s and 45 s backoffs follow as usual', () => {
    const waiting = run([...connect(), lossInWindow]).snapshot;
    // The named delay XState arms for the wait: the time left in the window.
    const delays = connectionMachine.implementations.delays;
    const wait = (delays.maintenanceWindowEnd as (a: { context: ConnectionSnapshot['context'] }) => number)({ context: waiting.context });
    expect(wait).toBe(WINDOW_END - T0);
    const started = when(waiting, afterEvent('maintenance'));
    expect(started.snapshot.value).toEqual({ RECONNECTING: { attempt: 'connecting' } });
    expect(draftsOf(started.emitted)[0]?.data).toMatchObject({ event: 'RECONNECT', reconnect_attempt: 1, reason: 'attempt 1 of 3 at the end of the maintenance window' });
    const failed = when(started.snapshot, { type: 'ATTEMPT_FAILED', reason: 'ECONNREFUSED' });
    expect(failed.snapshot.value).toEqual({ RECONNECTING: 'backoff2' });
  });

  it('back from the window: CONNECT says the gateway restarted, GATEWAY_RESTARTED (no "restored", nothing was lost loudly), and a full resync', () => {
    const { snapshot, emitted } = run([...connect(), lossInWindow, afterEvent('maintenance'), ...back()]);
    expect(snapshot.value).toBe('CONNECTED');
    expect(snapshot.context.maintenanceUntil).toBeNull();
    const connects = draftsOf(emitted).filter((d) => d.bead_type === 'IBKR_SESSION' && d.data.event === 'CONNECT');
    expect(connects.at(-1)?.data).toMatchObject({ reason: 'gateway restarted: back after its daily restart in the maintenance window 03:45-04:30 America/New_York' });
    expect(emitted.filter((e) => e.type === 'alert').map((a) => a.alertType)).toEqual(['GATEWAY_MAINTENANCE', 'GATEWAY_RESTARTED']);
    const after = emitted.slice(emitted.findIndex((e) => e.type === 'alert' && e.alertType === 'GATEWAY_RESTARTED'));
    expect(after.filter((e) => e.type === 'command')).toEqual([
      { type: 'command', command: 'resync', since: null },
      { type: 'command', command: 'resubscribe' },
      { type: 'command', command: 'reconcile', trigger: 'RECONNECT' },
    ]);
  });

  it('a loss outside the window is handled as ever: CRITICAL CONNECTION_LOST, attempt 1 after 5 s, resync since the loss', () => {
    const { snapshot, emitted } = run([...connect(), lossOutside, afterEvent('backoff1'), ...back()]);
    expect(snapshot.value).toBe('CONNECTED');
    expect(emitted.filter((e) => e.type === 'alert').map((a) => a.alertType)).toEqual(['CONNECTION_LOST', 'CONNECTION_RESTORED']);
    expect(emitted).toContainEqual({ type: 'command', command: 'resync', since: lossOutside.type === 'CONNECTION_LOST' ? lossOutside.at : 0 });
  });

  it('a gateway back with another server version has restarted (an update): RESTORED for the loss, then GATEWAY_RESTARTED and a full resync', () => {
    const { emitted } = run([...connect(176), lossOutside, afterEvent('backoff1'), ...back(187)]);
    expect(emitted.filter((e) => e.type === 'alert').map((a) => a.alertType)).toEqual(['CONNECTION_LOST', 'CONNECTION_RESTORED', 'GATEWAY_RESTARTED']);
    const restarted = emitted.find((e) => e.type === 'alert' && e.alertType === 'GATEWAY_RESTARTED');
    expect(restarted?.type === 'alert' && restarted.message).toMatch(/server version 176 → 187/);
    expect(draftsOf(emitted).at(-1)?.data).toMatchObject({ event: 'CONNECT', server_version: 187, reason: 'gateway restarted: server version 176 → 187 (an update)' });
    expect(emitted).toContainEqual({ type: 'command', command: 'resync', since: null });
  });

  it('replay lands where the live machine did, reading the window back from the DISCONNECT bead', () => {
    const events = [...connect(), lossInWindow];
    const live = run(events);
    const beads = beadsFrom(live.emitted, T0);
    // No window is given to replay: the bead names it.
    const replayed = replayConnection(beads);
    expect(replayed.anomalies).toEqual([]);
    expect(replayed.snapshot.value).toEqual({ RECONNECTING: 'maintenance' });
    expect(replayed.snapshot.context.maintenanceUntil).toBe(WINDOW_END);
    expect(connectionReplayer.stateAfter(beads)).toBe(
      'RECONNECTING: in the maintenance window 03:45-04:30 America/New_York until 2026-11-24T09:30:00.000Z (last: the gateway closed the connection)',
    );
  });
});

describe('maintenance window arithmetic', () => {
  it('refuses a malformed window with a reason a person can act on', () => {
    expect(parseMaintenanceWindow('23:45 to 00:45')).toEqual({ ok: false, reason: 'must be HH:MM-HH:MM Zone, e.g. 23:45-00:45 America/New_York' });
    expect(parseMaintenanceWindow('24:00-00:45 UTC')).toMatchObject({ ok: false, reason: expect.stringMatching(/hours run 00-23/) });
    expect(parseMaintenanceWindow('10:00-10:00 UTC')).toMatchObject({ ok: false, reason: expect.stringMatching(/starts and ends at the same time/) });
    expect(parseMaintenanceWindow('23:45-00:45 Atlantis/Capital')).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown time zone "Atlantis\/Capital"/) });
    expect(parseMaintenanceWindow(' 5:05-6:00  utc ')).toMatchObject({ ok: true, window: { text: '05:05-06:00 UTC' } });
  });

  it('a window across midnight, and the night New York springs forward: the end is the local end', () => {
    const nightly = windowOf('23:45-00:45 America/New_York');
    expect(maintenanceEndAfter(nightly, Date.parse('2026-11-25T04:50:00Z'))).toBe(Date.parse('2026-11-25T05:45:00Z'));
    expect(maintenanceEndAfter(nightly, Date.parse('2026-11-25T04:40:00Z'))).toBeUndefined();
    expect(maintenanceEndAfter(nightly, Date.parse('2026-11-25T05:45:00Z'))).toBeUndefined();
    // 01:45 EST on 8 March 2026; at 02:00 the clocks jump to 03:00 EDT, so 03:30 local is 07:30 UTC.
    expect(maintenanceEndAfter(windowOf('01:30-03:30 America/New_York'), Date.parse('2026-03-08T06:45:00Z'))).toBe(Date.parse('2026-03-08T07:30:00Z'));
  });

  it('property: a time is inside the window exactly when its local minute is, and the end found is after it, within a day, and outside the window', () => {
    const minute = fc.integer({ min: 0, max: 1439 });
    const zone = fc.constantFrom('UTC', 'America/New_York', 'Europe/Zurich', 'Asia/Hong_Kong', 'Australia/Sydney');
    const at = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') });
    const seed = Date.now() ^ (Math.random() * 0x7fffffff);
    console.log(`maintenance window property: seed ${seed}`);
    fc.assert(
      fc.property(minute, minute, zone, at, (start, end, z, t) => {
        fc.pre(start !== end);
        const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        const w = windowOf(`${hhmm(start)}-${hhmm(end)} ${z}`);
        const local = new Intl.DateTimeFormat('en-GB', { timeZone: z, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(t));
        const [h, m] = local.split(':').map(Number) as [number, number];
        const localMin = h * 60 + m;
        const inside = start < end ? localMin >= start && localMin < end : localMin >= start || localMin < end;
        const found = maintenanceEndAfter(w, t);
        expect(found !== undefined).toBe(inside);
        if (found !== undefined) {
          expect(found).toBeGreaterThan(t);
          expect(found - t).toBeLessThanOrEqual(86_400_000 + 3_600_000);
          expect(maintenanceEndAfter(w, found)).toBeUndefined();
        }
      }),
      { numRuns: 500, seed },
    );
  });
});
