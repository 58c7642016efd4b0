/**
 * S3.1's maintenance window and RB-007's gateway restart, end to end: the
 * gateway simulator and `phoenix run` (paper) each in their own process, the
 * simulator restarted through its control channel. Time-scaled: the wait
 * for the window's end and the backoffs shrink with TIME_SCALE; every wait
 * polls against a deadline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BeadOf } from '../../beads/index.ts';
import { openPaperDesk, type PaperDesk } from '../e2e/paperDesk.ts';

const SCALE = 0.01;
let desk: PaperDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** A window in UTC that began half an hour ago and ends one to two minutes from now (0.6 to 1.2 s at this scale). */
function windowAroundNow(): string {
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  return `${hhmm(minute - 30 * 60_000)}-${hhmm(minute + 2 * 60_000)} UTC`;
}
/** A window hours away: configured, and not in play. */
function windowLater(): string {
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  return `${hhmm(minute + 3 * 3_600_000)}-${hhmm(minute + 4 * 3_600_000)} UTC`;
}

async function connected(d: PaperDesk): Promise<BeadOf<'IBKR_SESSION'>> {
  return d.waitForBead('IBKR_SESSION', (b) => b.data.event === 'CONNECT', 'the first CONNECT', 30_000);
}
const alertTypes = async (d: PaperDesk) => (await d.ofType('ALERT')).filter((a) => a.data.event === 'RAISED' || a.data.event === 'RESOLVED');

describe('the IB maintenance window (S3.1) and a restarted gateway (RB-007)', () => {
  it('a loss inside IBKR_MAINTENANCE_WINDOW is a WARNING, the attempts wait for the window to end, and the gateway back is GATEWAY_RESTARTED with a full resync', async () => {
    const window = windowAroundNow();
    desk = await openPaperDesk({ env: { TIME_SCALE: String(SCALE), IBKR_MAINTENANCE_WINDOW: window, LOG_LEVEL: 'info', LOG_FORMAT: 'json' } });
    const host = await desk.startHost();
    // At TIME_SCALE 0.01 a first connect attempt has 150 ms; a loaded machine may need a second, and its DISCONNECT is not the restart's.
    const first = await connected(desk);
    // The start-up resync done first: the restart's full resync, asserted below, is then the second (a restart inside the first one's requests failed it).
    await host.waitForOutput(/"since":null[^\n]*"msg":"resynced with the broker"/, 20_000);

    // The daily restart: every client dropped, the port back after 200 ms, the same server version.
    await desk.sim.control('restart', { downtimeMs: 200 });
    const lost = await desk.waitForBead('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT' && b.ts > first.ts, 'the DISCONNECT');
    const said = /^in the maintenance window (.+) until (\S+): /.exec(lost.data.reason ?? '');
    expect(said?.[1]).toBe(window);
    const until = Date.parse(said![2]!);
    const warning = await desk.waitForBead('ALERT', (b) => b.data.alert_type === 'GATEWAY_MAINTENANCE', 'the maintenance WARNING');
    expect(warning.data).toMatchObject({ severity: 'WARNING', runbook_id: 'RB-007' });

    // After the loss: a loaded machine's first connect may have needed an attempt of its own before it.
    const attempt = await desk.waitForBead('IBKR_SESSION', (b) => b.data.event === 'RECONNECT' && b.ts > lost.ts, 'attempt 1', 30_000);
    expect(attempt.data).toMatchObject({ reconnect_attempt: 1, reason: 'attempt 1 of 3 at the end of the maintenance window' });
    // No attempt before the (scaled) end of the window, though the gateway was back after 200 ms.
    expect(Date.parse(attempt.ts) - Date.parse(lost.ts)).toBeGreaterThanOrEqual(Math.floor((until - Date.parse(lost.ts)) * SCALE) - 5);

    const back = await desk.waitForBead('IBKR_SESSION', (b) => b.data.event === 'CONNECT' && b.data.reason !== undefined, 'the CONNECT after the window', 30_000);
    expect(back.data.reason).toBe(`gateway restarted: back after its daily restart in the maintenance window ${window}`);
    const restarted = await desk.waitForBead('ALERT', (b) => b.data.alert_type === 'GATEWAY_RESTARTED', 'GATEWAY_RESTARTED');
    expect(restarted.data).toMatchObject({ severity: 'WARNING', runbook_id: 'RB-007' });
    // Nothing CRITICAL about an expected restart.
    expect((await alertTypes(desk)).filter((a) => a.data.severity === 'CRITICAL').map((a) => a.data.alert_type)).toEqual([]);
    // The full resync: executions asked for with no time filter.
    await host.waitForOutput(/"since":null[^\n]*"msg":"resynced with the broker"[\s\S]*"since":null[^\n]*"msg":"resynced with the broker"/, 20_000);
    expect(desk.host?.child.exitCode).toBeNull();
  });

  it('a loss outside the window is CRITICAL and retried after 5 s as ever; a gateway back with another server version raises GATEWAY_RESTARTED', async () => {
    desk = await openPaperDesk({ env: { TIME_SCALE: String(SCALE), IBKR_MAINTENANCE_WINDOW: windowLater() } });
    await desk.startHost();
    const first = await connected(desk);
    expect(first.data.server_version).toBe(193);

    // An auto-update: the gateway comes back on the same port speaking server version 187.
    await desk.sim.control('restart', { downtimeMs: 200, serverVersion: 187 });
    const lost = await desk.waitForBead('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT' && b.ts > first.ts, 'the DISCONNECT');
    expect(lost.data.reason).not.toMatch(/maintenance window/);
    const critical = await desk.waitForBead('ALERT', (b) => b.data.alert_type === 'CONNECTION_LOST', 'CONNECTION_LOST');
    expect(critical.data.severity).toBe('CRITICAL');

    const back = await desk.waitForBead('IBKR_SESSION', (b) => b.data.event === 'CONNECT' && b.data.server_version === 187, 'the CONNECT at 187', 30_000);
    expect(back.data.reason).toBe('gateway restarted: server version 193 → 187 (an update)');
    const attempt = (await desk.ofType('IBKR_SESSION')).find((b) => b.data.event === 'RECONNECT' && b.ts > lost.ts)!;
    expect(attempt.data.reason).toBe('attempt 1 of 3 after 5 s');
    const restarted = await desk.waitForBead('ALERT', (b) => b.data.alert_type === 'GATEWAY_RESTARTED', 'GATEWAY_RESTARTED');
    expect(restarted.data.message).toMatch(/server version 193 → 187/);
    await desk.waitForBead('ALERT', (b) => b.data.alert_type === 'CONNECTION_RESTORED', 'the loss resolved');
    expect(desk.host?.child.exitCode).toBeNull();
  });
});
