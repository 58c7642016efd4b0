/**
 * RB-004 in paper mode with the real @stoqey/ib client and the gateway
 * simulator in its own process. With a host running, `phoenix halt` (its own
 * process) reaches it through the log; with the host down, `phoenix halt`
 * connects to the gateway itself. Either way every working order at the
 * simulator ends cancelled and the beads say what happened and how long it took.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnector } from '../../actors/broker/createConnector.ts';
import { type OrderTicket, type SubmitRequest, submitGuarded } from '../../actors/broker/submitGuards.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { NO_TOKENS } from '../../actors/killswitch/haltBroker.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Bead } from '../../beads/index.ts';
import { openEventLog } from '../../store/open.ts';
import type { EventLog } from '../../store/port.ts';
import { simEnv } from '../chaos/brokerRig.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { runPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { approvedEntry } from '../support/approvedOrder.ts';
import { runCli } from '../tools/commandIo.ts';

let sim: GatewaySimHandle;
let home: ReturnType<typeof makeTempDir>;

beforeAll(async () => {
  sim = await startGatewaySim({ nextValidId: 500 });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => {
  home = makeTempDir('phoenix-halt-paper');
});
afterEach(() => home.remove());

const env = (clientId: number) => ({ ...simEnv(sim, clientId, 0.05), PHOENIX_HOME: home.dir, DASHBOARD_PORT: '0', LOG_LEVEL: 'warn', PHOENIX_HOST_ID: 'paper-host' });

async function beadsOf(log: EventLog): Promise<Bead[]> {
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  return out;
}

const resting = (orderId: number, ref: string, over: Partial<OrderTicket> = {}): OrderTicket => ({
  orderId,
  orderRef: ref,
  pair: 'EURUSD',
  action: 'BUY',
  quantity: 1_000,
  orderType: 'LMT',
  limitPrice: 0.5,
  role: 'CLOSE',
  ...over,
});

const workingAtSim = async (refs: string[]) => (await sim.state()).orders.filter((o) => refs.includes(o.orderRef) && o.status === 'Submitted').length;
const halts = (beads: Bead[]) => beads.flatMap((b) => (b.bead_type === 'HALT' ? [b.data] : []));
const flags = (beads: Bead[]) => beads.flatMap((b) => (b.bead_type === 'KILL_FLAG' ? [`${b.data.state} ${b.data.who}`] : []));

describe('phoenix halt in paper mode against the simulator', () => {
  let host: RunningHost | undefined;
  afterEach(async () => {
    await host?.stop('test over');
    host = undefined;
  });

  it('with a host running: the request goes through the log, the host cancels every working order, entries are refused until a resume', async () => {
    const config = loadConfig(env(71));
    const log = await openEventLog(config);
    host = await startHost({ config, log, clock: systemClock, logger: silentLogger });
    await expect.poll(() => host?.broker.connection.connected, { timeout: 20_000 }).toBe(true);
    const h = host;
    const ports = () => ({ ...h.submitPorts(), tokens: NO_TOKENS });
    const refs = ['paper-w1', 'paper-w2', 'paper-w3'];
    for (const [i, ref] of refs.entries()) {
      const [id] = h.broker.connector.orderIds.allocate(1);
      const request: SubmitRequest = { kind: 'EXIT', account: 'DU123456', orders: [resting(id!, ref, { limitPrice: 0.5 + i / 100 })], correlationId: ref, authority: { who: 'cli:test', reason: 'working orders for the halt' } };
      expect((await submitGuarded(request, ports())).outcome).toBe('SENT');
    }
    await expect.poll(() => workingAtSim(refs), { timeout: 10_000 }).toBe(3);

    const halted = await runPhoenix(['halt', '--reason', 'paper halt test', '--as', 'alice'], env(71), 60_000);
    expect(halted.stderr).toBe('');
    expect(halted.code).toBe(0);
    expect(halted.stdout).toMatch(/requested by cli:alice; host paper-host \(pid \d+\) executes it/);
    expect(halted.stdout).toMatch(/3 working order\(s\) cancelled by IB's global cancel \(\+\d+ ms\)/);
    expect(halted.stdout).toMatch(/halt COMPLETED in \d+ ms/);

    const orders = (await sim.state()).orders.filter((o) => refs.includes(o.orderRef));
    expect(orders.map((o) => o.status)).toEqual(['Cancelled', 'Cancelled', 'Cancelled']);
    const beads = await beadsOf(log);
    expect(flags(beads)).toEqual(['SET cli:alice']);
    const steps = halts(beads);
    expect(steps.map((s) => s.step)).toEqual(['STARTED', 'ORDERS_CANCELLED', 'COMPLETED']);
    expect(steps[1]).toMatchObject({ count: 3, elapsed_ms: expect.any(Number) });
    expect(steps[2]!.elapsed_ms).toBeGreaterThanOrEqual(steps[1]!.elapsed_ms!);
    expect(beads.filter((b) => b.bead_type === 'HALT').every((b) => b.host_id === (b.bead_type === 'HALT' && b.data.step === 'STARTED' ? 'paper-host-cli' : 'paper-host'))).toBe(true);

    // While SET, a new entry is refused at the kill-flag guard and nothing reaches the simulator.
    const placed = (await sim.state()).counts.placeOrder;
    const token = { redeem: () => ({ ok: true as const, tokenId: 't1', intentId: 'i1', contentHash: 'h', approver: 'cli:alice', expiresAt: Date.now() + 60_000, decisionBeadId: 'd1', bindingHash: 'b' }) };
    // Issue 17: an entry is a whole bracket, exactly the order approved.
    const entry = (ref: string): SubmitRequest => approvedEntry('DU123456', ref, h.broker.connector.orderIds.allocate(3) as [number, number, number]);
    expect(await submitGuarded(entry('paper-e1'), { ...ports(), tokens: token })).toMatchObject({ outcome: 'REFUSED', step: 'KILL_FLAG' });
    expect((await sim.state()).counts.placeOrder).toBe(placed);

    const blank = await runCli(['resume', '--reason', ' '], env(71));
    expect(blank.code).toBe(2);
    expect(blank.stderr).toMatch(/--reason "TEXT" is required and may not be blank/);
    const resumed = await runPhoenix(['resume', '--reason', 'halt test over', '--as', 'alice'], env(71), 60_000);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/kill flag CLEARED by cli:alice: halt test over/);
    await expect.poll(() => h.killSwitch.killFlag(), { timeout: 5_000 }).toBe('ARMED');
    expect(await submitGuarded(entry('paper-e2'), { ...ports(), tokens: token })).toMatchObject({ outcome: 'SENT' });
    await expect.poll(async () => (await sim.state()).orders.some((o) => o.orderRef === 'paper-e2-entry'), { timeout: 5_000 }).toBe(true);
    // The entry is a whole bracket now (issue 17) and its market order filled: flat again, for the next test's flatten.
    const eur = async () => (await sim.state()).positions.find((p) => p.pair === 'EURUSD')?.position ?? 0;
    await expect.poll(eur, { timeout: 5_000 }).not.toBe(0);
    const [closeId] = h.broker.connector.orderIds.allocate(1);
    const close: SubmitRequest = { kind: 'EXIT', account: 'DU123456', orders: [resting(closeId!, 'paper-e2-close', { action: 'SELL', orderType: 'MKT', limitPrice: undefined, quantity: await eur() })], correlationId: 'paper-e2', authority: { who: 'cli:test', reason: 'flat again' } };
    expect((await submitGuarded(close, ports())).outcome).toBe('SENT');
    await expect.poll(eur, { timeout: 5_000 }).toBe(0);
    await h.stop('test over');
    host = undefined;
    await log.close();
  }, 120_000);

  it('with the host down: phoenix halt --flatten connects with its own client id, cancels every working order and closes the position itself', async () => {
    const desk = createConnector({ config: loadConfig(env(73)), clock: systemClock, logger: silentLogger, highestOrderId: 600 });
    expect((await desk.connect()).ok).toBe(true);
    const refs = ['down-w1', 'down-w2'];
    for (const ref of refs) await desk.placeOrder(resting(desk.orderIds.allocate(1)[0]!, ref));
    await expect.poll(() => workingAtSim(refs), { timeout: 10_000 }).toBe(2);
    await desk.placeOrder(resting(desk.orderIds.allocate(1)[0]!, 'down-open', { pair: 'GBPUSD', orderType: 'MKT', limitPrice: undefined, quantity: 2_000 }));
    const gbp = async () => (await sim.state()).positions.find((p) => p.pair === 'GBPUSD')?.position;
    await expect.poll(gbp, { timeout: 10_000 }).toBe(2_000);
    // The simulator is shared: whatever else still works there (the last test's entry) is cancelled too.
    const working = (await sim.state()).orders.filter((o) => o.status === 'Submitted').length;

    const halted = await runCli(['halt', '--flatten', '--reason', 'host is down', '--as', 'bob'], env(73));
    expect(halted.code).toBe(0);
    expect(halted.stdout).toMatch(/no live host holds the log \(no host has ever held this log\)/);
    expect(halted.stdout).toMatch(/connecting to the gateway at 127\.0\.0\.1:\d+ \(PAPER\) with client id 1073 \(IBKR_CLIENT_ID \+ 1000\)/);
    expect(halted.stdout).toContain(`${working} working order(s) cancelled`);
    expect(halted.stdout).toMatch(/1 position\(s\) closed at market \(\+\d+ ms\): closed GBPUSD 2000/);
    expect(await gbp()).toBe(0);
    const orders = (await sim.state()).orders;
    expect(orders.filter((o) => refs.includes(o.orderRef)).map((o) => o.status)).toEqual(['Cancelled', 'Cancelled']);
    expect(orders.filter((o) => o.status === 'Submitted' || o.status === 'PreSubmitted')).toEqual([]);
    await desk.close();

    const log = await openEventLog(loadConfig(env(73)), { readonly: true });
    const beads = await beadsOf(log);
    await log.close();
    expect(flags(beads)).toEqual(['SET cli:bob']);
    expect(halts(beads).map((s) => [s.step, s.count])).toEqual([
      ['STARTED', undefined],
      ['ORDERS_CANCELLED', working],
      ['POSITIONS_FLATTENED', 1],
      ['COMPLETED', working],
    ]);
    // The closing order went through the submit chain (write-ahead first) and its fill is on the log.
    const flatten = beads.find((b) => b.bead_type === 'ORDER' && b.data.role === 'FLATTEN');
    expect(flatten?.bead_type === 'ORDER' && [flatten.data.action, flatten.data.quantity, flatten.data.pair]).toEqual(['SELL', 2_000, 'GBPUSD']);
    expect(beads.some((b) => b.bead_type === 'FILL' && b.stream === flatten?.stream && b.data.side === 'SELL')).toBe(true);
    expect(halts(beads)[0]!.detail).toMatch(/^direct:/);
    expect(beads.filter((b) => b.bead_type === 'HALT' || b.bead_type === 'KILL_FLAG' || b.bead_type === 'FILL').every((b) => b.host_id === 'paper-host-cli')).toBe(true);
  }, 60_000);
});
