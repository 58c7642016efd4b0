/**
 * The S4.2 facts, against the simulator process with the real client: a
 * silent (half-open) gateway, a client id held "in use" (326), and a gateway
 * restart that rolls nextValidId back (CV_S33_3).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scaledProbe } from '../../actors/broker/livenessProbe.ts';
import { submitGuarded } from '../../actors/broker/submitGuards.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { NO_TOKENS } from '../../actors/killswitch/haltBroker.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Bead } from '../../beads/index.ts';
import { PROBE_TIMEOUT_REASON } from '../../machines/connection.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { type Rig, restingExit, simEnv, startRig } from './brokerRig.ts';

let sim: GatewaySimHandle;
const rigs: Rig[] = [];

beforeAll(async () => {
  sim = await startGatewaySim({ serverVersion: 193, nextValidId: 1_000, stateFile: true });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
});
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

async function rig(options: Parameters<typeof startRig>[1]): Promise<Rig> {
  const r = await startRig(sim, options);
  rigs.push(r);
  return r;
}

describe('gateway faults', () => {
  it('detects a silent (half-open) gateway with the production probe timings, and dates the loss at its last sign of life', async () => {
    // TIME_SCALE 1: the real 2 s probe interval and 4 s probe timeout.
    const probe = scaledProbe(1);
    // S10's "within 10 s" is the design's worst case on the product's own settings: the last sign of life, a probe
    // interval, the probe timeout, one check step. How fast it really is on a box is B4's figure in bench/.
    expect(probe.intervalMs + probe.timeoutMs + Math.min(probe.intervalMs, probe.timeoutMs) / 4).toBeLessThanOrEqual(10_000);
    const r = await rig({ clientId: 21, timeScale: 1 });
    await r.waitForState(['CONNECTED']);
    const alertsBefore = new Set((await r.beads('ALERT')).map((b) => b.bead_id));
    await sim.control('silent');
    try {
      const disconnect = await r.waitForBead('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT', 'the DISCONNECT bead', 25_000);
      expect(disconnect.data.reason).toBe(PROBE_TIMEOUT_REASON);
      expect(r.broker.connection.state).toBe('RECONNECTING');
      // The verdict (the CONNECTION_LOST alert, stamped when it was reached) came after a whole probe cycle of silence,
      // and the bead is dated at the last sign of life, not at the verdict: replay knows when it really went quiet.
      const lost = await r.waitForBead('ALERT', (b) => !alertsBefore.has(b.bead_id) && b.data.alert_type === 'CONNECTION_LOST', 'the CONNECTION_LOST alert');
      expect(Date.parse(lost.ts) - Date.parse(disconnect.ts)).toBeGreaterThanOrEqual(probe.intervalMs + probe.timeoutMs);
    } finally {
      await sim.control('unsilent');
    }
  }, 40_000);

  it('reports a client id in use (326) clearly, as a failed attempt, and connects once the id is free', async () => {
    await sim.control('hold-client-id', { clientId: 22, held: true });
    const r = await rig({ clientId: 22, timeScale: 0.2 });
    const failed = await r.waitForBead('IBKR_SESSION', (b) => b.data.event === 'DISCONNECT', 'the failed first connect');
    expect(failed.data.reason).toMatch(/client id 22 is already in use at the gateway \(IB 326/);
    expect(failed.data.reason).toMatch(/not changed/);
    await sim.control('hold-client-id', { clientId: 22, held: false });
    await r.waitForState(['CONNECTED'], 20_000);
    const ids = (await sim.state()).clients.map((c) => c.clientId);
    // The same id, never incremented.
    expect(ids).toEqual([22]);
  });

  it('CV_S33_3: after a gateway restart with a lower nextValidId the host reconnects, reconciles to MATCH and reuses no order id, across a Phoenix restart too', async () => {
    // The whole host (its trade flow is what reconciles), on one log kept across its restart.
    const log = new MemoryEventLog();
    const temp = makeTempDir('phoenix-cv3');
    const config = loadConfig({
      ...simEnv(sim, 23, 0.2),
      PHOENIX_HOME: temp.dir,
      DASHBOARD_PORT: '0',
      LOG_LEVEL: 'silent',
      APPROVAL_TOKEN_SECRET: 'cv3-approval-secret-0123456789abcdef',
      RECONCILE_INTERVAL_S: '3600',
    });
    const all = async (): Promise<Bead[]> => {
      const out: Bead[] = [];
      for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
      return out;
    };
    /** The first RECONCILIATION bead after `position` with this trigger. */
    const reconciliation = async (trigger: 'STARTUP' | 'RECONNECT', after: number) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        for await (const e of log.readAll({ after })) {
          if (e.kind === 'bead' && e.bead.bead_type === 'RECONCILIATION' && e.bead.data.trigger === trigger) return e.bead;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for a ${trigger} RECONCILIATION bead`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const tail = async () => {
      let last = -1;
      for await (const e of log.readAll()) last = e.position;
      return last;
    };
    let host: RunningHost | undefined = await startHost({ config, log, clock: systemClock, logger: silentLogger });
    try {
      await host.broker.connection.waitFor(['CONNECTED']);
      const startup = await reconciliation('STARTUP', -1);
      expect(startup.data.result).toBe('MATCH');
      const send = async (h: RunningHost, ref: string) => {
        const [id] = h.broker.connector.orderIds.allocate(1);
        expect((await submitGuarded(restingExit('DU123456', id!, ref), { ...h.submitPorts(), tokens: NO_TOKENS })).outcome).toBe('SENT');
        return id!;
      };
      const used: number[] = [];
      for (const ref of ['cv3-a', 'cv3-b', 'cv3-c']) used.push(await send(host, ref));
      await sim.waitForState((st) => used.every((id) => st.orders.some((o) => o.orderId === id)), 'the three orders');
      const highest = Math.max(...used);

      // An auto-update: the gateway comes back offering ids below the ones already used.
      const beforeRestart = await tail();
      await sim.control('restart', { downtimeMs: 300, nextValidId: used[0]! - 50 });
      await host.broker.connection.waitFor(['RECONNECTING']);
      await host.broker.connection.waitFor(['CONNECTED']);
      expect(host.broker.connector.session()?.nextValidId).toBe(used[0]! - 50);
      // On the reconnect the host reconciles: the broker holds exactly the orders the log says, under their ids.
      const onReconnect = await reconciliation('RECONNECT', beforeRestart);
      expect(onReconnect.data.result).toBe('MATCH');
      expect(onReconnect.data.drift).toEqual([]);
      expect(onReconnect.data.broker.open_orders.map((o) => [o.order_id, o.order_ref]).sort()).toEqual(used.map((id, i) => [id, ['cv3-a', 'cv3-b', 'cv3-c'][i]]).sort());
      const afterRestart = await send(host, 'cv3-d');
      expect(afterRestart).toBe(highest + 1);
      await sim.waitForState((st) => st.orders.some((o) => o.orderRef === 'cv3-d'), 'the order after the restart');
      await host.stop('phoenix restart');
      host = undefined;

      // Phoenix restarts on the same log against a gateway that rolled back again: the log remembers.
      await sim.control('restart', { downtimeMs: 200, nextValidId: 1 });
      await sim.waitForState((st) => st.listening && !st.restarting, 'the simulator back');
      const beforeSecond = await tail();
      host = await startHost({ config, log, clock: systemClock, logger: silentLogger });
      await host.broker.connection.waitFor(['CONNECTED']);
      expect(host.broker.connector.session()?.nextValidId).toBe(1);
      const second = await reconciliation('STARTUP', beforeSecond);
      expect(second.data.result).toBe('MATCH');
      const fresh = await send(host, 'cv3-e');
      expect(fresh).toBe(afterRestart + 1);

      const state = await sim.waitForState((st) => st.orders.some((o) => o.orderRef === 'cv3-e'), 'the order after the Phoenix restart');
      const refsById = new Map(state.orders.map((o) => [o.orderId, o.orderRef]));
      expect([...used, afterRestart, fresh].map((id) => refsById.get(id))).toEqual(['cv3-a', 'cv3-b', 'cv3-c', 'cv3-d', 'cv3-e']);
      expect(state.rejections.filter((x) => x.code === 103)).toEqual([]);
      // No order id reused, as the log has it: one id per order, never the same for two.
      const idsByRef = new Map<string, Set<number>>();
      for (const b of await all()) {
        if (b.bead_type !== 'ORDER') continue;
        const ids = idsByRef.get(b.data.order_ref) ?? new Set<number>();
        if (b.data.order_id !== undefined) ids.add(b.data.order_id);
        idsByRef.set(b.data.order_ref, ids);
      }
      expect([...idsByRef.entries()].map(([ref, ids]) => [ref, [...ids]]).sort()).toEqual(
        [...used, afterRestart, fresh].map((id, i) => [['cv3-a', 'cv3-b', 'cv3-c', 'cv3-d', 'cv3-e'][i], [id]]).sort(),
      );
      // The reconnect left its record: DISCONNECT, the attempt, CONNECT.
      const sessions = (await all()).flatMap((b) => (b.bead_type === 'IBKR_SESSION' ? [b.data.event] : []));
      expect(sessions).toContain('RECONNECT');
    } finally {
      await host?.stop('test over');
      temp.remove();
    }
  }, 90_000);
});
