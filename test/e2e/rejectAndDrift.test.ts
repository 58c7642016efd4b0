import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Bead, BeadOf } from '../../beads/index.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { waitUntil } from '../support/gatewaySimClient.ts';
import { liveHome } from '../support/liveHome.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { openPaperDesk, type PaperDesk, SECRET } from './paperDesk.ts';
import { paperGatesHoldIn } from './seedPaperGates.ts';

/**
 * Issue 4, Done-when 4. CV_S33_10: an order the broker refuses ends the
 * position REJECTED with an alert, and the host goes on. CV_S33_12: a
 * position spoofed at the simulator is DRIFT with a CRITICAL alert; in paper
 * that is all, in a live-configured host (the paper gates met in its log) the
 * kill flag is set too.
 */

let desk: PaperDesk | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
  await cleanup?.();
  cleanup = undefined;
});

describe('broker rejection and reconciliation drift', () => {
  it('CV_S33_10: an order the broker rejects (no security definition) ends REJECTED with an ORDER_REJECTED alert, and the host trades on', async () => {
    desk = await openPaperDesk();
    const d = desk;
    await d.startHost();
    await d.sim.control('reject-next-order', { reason: 'No security definition has been found for the request' });
    await d.readyIntent('bad-1');
    await d.waitForBead('APPROVAL', (b) => b.data.intent_id === 'bad-1' && b.data.event === 'EVIDENCE_SHOWN', 'evidence');
    expect((await d.cli(['approve', 'bad-1', '--yes', '--as', 'alice'])).code).toBe(0);

    const rejected = await d.waitForBead('POSITION', (b) => b.data.position_id === 'bad-1' && b.data.state === 'REJECTED', 'REJECTED');
    expect(rejected.data.reason).toContain('No security definition');
    const alert = await d.waitForBead('ALERT', (b) => b.data.alert_type === 'ORDER_REJECTED' && b.data.event === 'RAISED', 'the ORDER_REJECTED alert');
    expect(alert.correlation_id).toBe('bad-1');
    expect(alert.data.runbook_id).toBe('RB-012');
    expect((await d.ofType('ORDER')).filter((b) => b.data.order_ref === 'bad-1-entry' && b.data.event === 'REJECTED')).toHaveLength(1);

    // The host is still up and still trading.
    expect(d.host?.child.exitCode).toBeNull();
    const autopsy = await d.roundTrip('good-1');
    expect(autopsy.data.exit_reason).toBe('TARGET');
  }, 90_000);

  it('CV_S33_12 (paper): a position spoofed at the broker is DRIFT with a CRITICAL RECONCILIATION_DRIFT alert; the kill flag stays armed', async () => {
    desk = await openPaperDesk();
    const d = desk;
    await d.startHost();
    const first = await d.waitForBead('RECONCILIATION', () => true, 'the startup reconciliation');
    expect(first.data).toMatchObject({ result: 'MATCH', trigger: 'STARTUP' });
    await d.sim.control('spoof-position', { pair: 'EURUSD', position: 25_000, avgCost: 1.08 });
    const drift = await d.waitForBead('RECONCILIATION', (b) => b.data.result === 'DRIFT', 'a DRIFT');
    expect(drift.data.drift).toEqual([{ kind: 'UNKNOWN_BROKER_POSITION', subject: 'EURUSD', broker: '+25000' }]);
    const alert = await d.waitForBead('ALERT', (b) => b.data.alert_type === 'RECONCILIATION_DRIFT', 'the drift alert');
    expect(alert.data).toMatchObject({ severity: 'CRITICAL', runbook_id: 'RB-002' });
    expect((await d.ofType('KILL_FLAG')).filter((b) => b.data.state === 'SET')).toEqual([]);
  }, 60_000);

  it('CV_S33_12 (live): in a live-configured host against the simulator, drift sets the kill flag through the kill switch', async () => {
    const sim: GatewaySimHandle = await startGatewaySim({ account: 'U1234567' });
    const temp = makeTempDir('phoenix-live');
    const log = new MemoryEventLog();
    let host: RunningHost | undefined;
    cleanup = async () => {
      await host?.stop();
      await sim.stop();
      temp.remove();
    };
    const env = await liveHome(log, temp.dir, sim.port);
    expect(await paperGatesHoldIn(log)).toBe(true);
    const config = loadConfig({ ...env, TIME_SCALE: '0.01', RECONCILE_INTERVAL_S: '60', APPROVAL_TOKEN_SECRET: SECRET });
    host = await startHost({ config, log, clock: systemClock, logger: silentLogger, brokerHooks: { paperValidationComplete: () => paperGatesHoldIn(log) } });
    const live = host;
    await live.broker.connection.waitFor(['CONNECTED', 'GUARD_FAILED']);
    expect(live.broker.connection.state, live.broker.connection.lastReason ?? undefined).toBe('CONNECTED');
    const beads = async () => {
      const out: Bead[] = [];
      for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
      return out;
    };
    await waitUntil(() => live.killSwitch.killFlag() === 'ARMED', 'an armed flag');
    await sim.control('spoof-position', { pair: 'EURUSD', position: 25_000 });
    await waitUntil(() => live.killSwitch.killFlag() === 'SET', 'the kill flag SET by drift', 20_000);
    const all = await beads();
    const drift = all.find((b): b is BeadOf<'RECONCILIATION'> => b.bead_type === 'RECONCILIATION' && b.data.result === 'DRIFT');
    expect(drift?.mode).toBe('LIVE');
    const set = all.find((b): b is BeadOf<'KILL_FLAG'> => b.bead_type === 'KILL_FLAG' && b.data.state === 'SET');
    expect(set?.data.who).toBe('system:reconciliation');
    expect(set?.causation_id).toBe(drift?.bead_id);
    expect(all.some((b) => b.bead_type === 'ALERT' && b.data.alert_type === 'RECONCILIATION_DRIFT')).toBe(true);
  }, 60_000);
});
