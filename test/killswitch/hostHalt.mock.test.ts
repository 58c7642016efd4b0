/**
 * The host's halt on the mock backend, in process: a HALT STARTED request
 * appended by "another process" (its own writer, as `phoenix halt` writes)
 * is seen through the host's subscription and executed — kill flag, cancels,
 * flatten — with a bead per step; entries are refused while SET; a resume
 * appended by another process re-arms the host.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OrderTicket, type SubmitRequest, submitGuarded } from '../../actors/broker/submitGuards.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { NO_TOKENS } from '../../actors/killswitch/haltBroker.ts';
import { followHalt, haltRequestDraft } from '../../actors/killswitch/haltRequest.ts';
import { KillSwitchLedger } from '../../actors/killswitch/killSwitchLedger.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Bead } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { approvedEntry } from '../support/approvedOrder.ts';
import { makeTempDir } from '../support/tempDir.ts';

let home: ReturnType<typeof makeTempDir>;
let log: MemoryEventLog;
let host: RunningHost;

beforeEach(async () => {
  home = makeTempDir('phoenix-halt-mock');
  log = new MemoryEventLog();
  const config = loadConfig({ PHOENIX_HOME: home.dir, DASHBOARD_PORT: '0', TIME_SCALE: '0.01', LOG_LEVEL: 'silent' });
  host = await startHost({ config, log, clock: systemClock, logger: silentLogger });
  await expect.poll(() => host.broker.connection.connected, { timeout: 5_000 }).toBe(true);
});
afterEach(async () => {
  await host.stop('test over');
  home.remove();
});

const ports = () => ({ ...host.submitPorts(), tokens: NO_TOKENS });
const allowAnyToken = { redeem: () => ({ ok: true as const, tokenId: 'tok-1', intentId: 'i-1', contentHash: 'h', approver: 'cli:alice', expiresAt: Date.now() + 60_000, decisionBeadId: 'd-1', bindingHash: 'b' }) };

function ticket(over: Partial<OrderTicket>): OrderTicket {
  const [orderId] = host.broker.connector.orderIds.allocate(1);
  return { orderId: orderId!, orderRef: `t-${orderId}`, pair: 'EURUSD', action: 'BUY', quantity: 1_000, orderType: 'LMT', limitPrice: 0.5, role: 'CLOSE', ...over };
}
const exit = (t: OrderTicket): SubmitRequest => ({ kind: 'EXIT', account: host.broker.account, orders: [t], correlationId: 'setup', authority: { who: 'cli:test', reason: 'setup' } });
// Issue 17: an entry is a whole bracket, exactly the order approved.
let entries = 0;
const entry = (): SubmitRequest => approvedEntry(host.broker.account, `i-${++entries}`, host.broker.connector.orderIds.allocate(3) as [number, number, number]);

async function beads(): Promise<Bead[]> {
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  return out;
}

describe('halt through the host (mock backend)', () => {
  it('a request on the log: kill flag SET, working orders cancelled, positions flattened, a HALT bead per step with timings, HALT_EXECUTED', async () => {
    for (const price of [0.5, 0.6]) expect((await submitGuarded(exit(ticket({ limitPrice: price })), ports())).outcome).toBe('SENT');
    expect((await submitGuarded(exit(ticket({ orderType: 'MKT', limitPrice: undefined })), ports())).outcome).toBe('SENT');
    await expect.poll(async () => (await host.broker.connector.positions()).find((p) => p.pair === 'EURUSD')?.quantity).toBe(1_000);
    expect(await host.broker.connector.openOrders()).toHaveLength(2);

    const cli = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: 'phoenix-1-cli', mode: 'MOCK' });
    const draft = haltRequestDraft({ who: 'cli:alice', reason: 'drill in mock', flatten: true });
    const { beads: written, result } = await cli.write(draft);
    const outcome = await followHalt(log, draft.correlation_id, { after: result.position, timeoutMs: 10_000 });
    if ('timedOut' in outcome) throw new Error('the host did not finish the halt');
    const startedId = written[0]!.bead_id;

    expect(outcome.steps.map((s) => [s.data.step, s.data.count])).toEqual([
      ['ORDERS_CANCELLED', 2],
      ['POSITIONS_FLATTENED', 1],
      ['COMPLETED', 2],
    ]);
    expect(outcome.steps.map((s) => s.causation_id)).toEqual([startedId, startedId, startedId]);
    expect(await host.broker.connector.openOrders()).toEqual([]);
    expect((await host.broker.connector.positions()).filter((p) => p.quantity !== 0)).toEqual([]);

    const all = await beads();
    const flag = all.find((b) => b.bead_type === 'KILL_FLAG');
    expect(flag?.bead_type === 'KILL_FLAG' && [flag.data.state, flag.data.who, flag.data.reason, flag.causation_id]).toEqual(['SET', 'cli:alice', 'drill in mock', startedId]);

    // Each step's time counts from the moment the person asked (the STARTED bead) to that step: read on the
    // log's own clock, it lies between the bead before the step (written before it was timed) and the step's bead.
    const sinceAsked = (b: Bead) => Date.parse(b.ts) - Date.parse(written[0]!.ts);
    let before = sinceAsked(flag!);
    for (const step of outcome.steps) {
      expect(step.data.elapsed_ms, step.data.step).toBeGreaterThanOrEqual(before);
      expect(step.data.elapsed_ms, step.data.step).toBeLessThanOrEqual(sinceAsked(step));
      before = sinceAsked(step);
    }
    // The resolution time the operator is told is the one recorded.
    const executed = all.find((b) => b.bead_type === 'ALERT' && b.data.event === 'RAISED' && b.data.alert_type === 'HALT_EXECUTED');
    expect(executed?.bead_type === 'ALERT' && executed.data.message).toContain(`COMPLETED in ${outcome.final.data.elapsed_ms} ms`);
    const flattenOrder = all.find((b) => b.bead_type === 'ORDER' && b.data.role === 'FLATTEN');
    expect(flattenOrder?.bead_type === 'ORDER' && [flattenOrder.data.action, flattenOrder.data.order_type, flattenOrder.correlation_id]).toEqual(['SELL', 'MKT', draft.correlation_id]);
    const alerts = all.flatMap((b) => (b.bead_type === 'ALERT' && b.data.event === 'RAISED' ? [b.data.alert_type] : []));
    expect(alerts).toEqual(expect.arrayContaining(['KILL_FLAG_SET', 'HALT_EXECUTED']));

    // SET: the submit guard refuses a new entry before it reaches the token step.
    expect(await submitGuarded(entry(), { ...ports(), tokens: allowAnyToken })).toMatchObject({ outcome: 'REFUSED', step: 'KILL_FLAG' });

    // A resume from another process (its own ledger on the same log) reaches the host through the log, with the operator's proof (issue 17).
    const resume = await KillSwitchLedger.load({ writer: cli, logger: silentLogger, raiseAlert: async () => undefined });
    expect(await resume.request({ type: 'CLEAR', by: { kind: 'human', id: 'alice', channel: 'CLI' }, reason: 'drill over' }, { proof: { method: 'OPERATOR', operator: 'alice' } })).toMatchObject({ kind: 'recorded' });
    await expect.poll(() => host.killSwitch.killFlag(), { timeout: 5_000 }).toBe('ARMED');
    expect(await submitGuarded(entry(), { ...ports(), tokens: allowAnyToken })).toMatchObject({ outcome: 'SENT' });
  });

  it('a request the CLI is executing itself (host was down when it looked) is not executed a second time', async () => {
    const cli = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: 'phoenix-1-cli', mode: 'MOCK' });
    await cli.write(haltRequestDraft({ who: 'cli:alice', reason: 'direct', flatten: true, direct: true }));
    const marker = haltRequestDraft({ who: 'cli:alice', reason: 'through the host', flatten: false });
    const { result } = await cli.write(marker);
    const outcome = await followHalt(log, marker.correlation_id, { after: result.position, timeoutMs: 10_000 });
    expect('final' in outcome && outcome.final.data.step).toBe('COMPLETED');
    const completed = (await beads()).filter((b) => b.bead_type === 'HALT' && b.data.step === 'COMPLETED');
    expect(completed.map((b) => b.correlation_id)).toEqual([marker.correlation_id]);
  });
});
