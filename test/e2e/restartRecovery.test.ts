import { afterEach, describe, expect, it } from 'vitest';
import type { BeadOf } from '../../beads/index.ts';
import { slowIt } from '../support/slow.ts';
import { openPaperDesk, type PaperDesk } from './paperDesk.ts';

/**
 * Crash recovery that finishes what it started (S3.1 step 5, S3.3, S5.4):
 * each case kills the real host (SIGKILL) against the gateway simulator in
 * its own process, lets the broker move on while nobody listens, and starts a
 * new host. What a person would check afterwards: the position's end, what
 * the broker holds, a reconciliation MATCH, and no approval REJECTED because
 * of the restart.
 *
 * Real time (TIME_SCALE=1): the cases that keep the gateway silent for a
 * moment need the liveness probe's real tolerance.
 */

let desk: PaperDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const REAL_TIME = { TIME_SCALE: '1', RECONCILE_INTERVAL_S: '300' };
/**
 * A fifth of real time, where the gateway is silent only while the host
 * starts: its first connect attempt then waits 3 s, not 15, before the retry
 * that finds the gateway answering.
 */
const FIFTH_TIME = { TIME_SCALE: '0.2', RECONCILE_INTERVAL_S: '300' };
/**
 * `npm test` keeps the two cases where money is most exposed (an interrupted close, a person's decision before the
 * gateway answers); `npm run test:slow` runs all six. The crash fuzz covers the others at random in `npm test` too.
 */

async function evidenced(d: PaperDesk, id: string): Promise<void> {
  await d.readyIntent(id);
  await d.waitForBead('APPROVAL', (b) => b.data.intent_id === id && b.data.event === 'EVIDENCE_SHOWN', `evidence for ${id}`);
}

async function approve(d: PaperDesk, id: string): Promise<void> {
  const run = await d.cli(['approve', id, '--yes', '--as', 'alice']);
  expect(run.code, run.stderr).toBe(0);
}

async function managed(d: PaperDesk, id: string): Promise<void> {
  await evidenced(d, id);
  await approve(d, id);
  await d.waitForBead('POSITION', (b) => b.data.position_id === id && b.data.state === 'MANAGED', `${id} MANAGED`, 30_000);
}

/** The first reconciliation of the host that started after `since`: MATCH, with nothing left over on either side. */
async function reconciledAfter(d: PaperDesk, since: number): Promise<BeadOf<'RECONCILIATION'>> {
  const recon = await d.waitForBead('RECONCILIATION', (b) => Date.parse(b.ts) > since, 'a reconciliation after the restart', 30_000);
  expect(recon.data.drift, JSON.stringify(recon.data)).toEqual([]);
  expect(recon.data.result).toBe('MATCH');
  return recon;
}

async function positionStates(d: PaperDesk, id: string): Promise<string[]> {
  return (await d.ofType('POSITION')).filter((b) => b.data.position_id === id).map((b) => b.data.state);
}

async function noWorkingOrdersFor(d: PaperDesk, id: string): Promise<void> {
  const orders = await d.simOrders(id);
  expect(orders.filter((o) => ['Submitted', 'PreSubmitted'].includes(o.status))).toEqual([]);
}

describe('restart recovery: what ended at the broker while the host was down', () => {
  slowIt('an entry filled while the host was down: the position goes on to MANAGED, once, and reconciliation matches', async () => {
    desk = await openPaperDesk({ env: REAL_TIME });
    const d = desk;
    await d.startHost();
    await evidenced(d, 'down-fill');
    // The market reaches the entry only after the host is gone.
    await d.sim.control('delay-fills', { ms: 4_000 });
    await approve(d, 'down-fill');
    await d.sim.waitForState((s) => s.orders.filter((o) => o.orderRef.startsWith('down-fill-')).length === 3, 'the bracket at the simulator', 20_000);
    await d.stopHost('SIGKILL');
    await d.sim.waitForState((s) => s.orders.some((o) => o.orderRef === 'down-fill-entry' && o.status === 'Filled'), 'the entry filled at the broker', 20_000);
    await d.sim.control('delay-fills', { ms: 0 });

    const restartedAt = Date.now();
    await d.startHost();
    await d.waitForBead('POSITION', (b) => b.data.position_id === 'down-fill' && b.data.state === 'MANAGED', 'MANAGED after the restart', 30_000);
    await reconciledAfter(d, restartedAt);
    const entries = (await d.sim.state()).orders.filter((o) => o.orderRef === 'down-fill-entry');
    expect(entries).toHaveLength(1);
    const fills = (await d.ofType('FILL')).filter((b) => b.data.order_ref === 'down-fill-entry');
    expect(fills).toHaveLength(1);
  }, 120_000);

  slowIt('an OCA sibling cancelled while the host was down: the target filled, the stop ended, the position CLOSED, reconciliation matches', async () => {
    desk = await openPaperDesk({ env: REAL_TIME });
    const d = desk;
    await d.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    await d.startHost();
    await managed(d, 'down-oca');
    await d.stopHost('SIGKILL');
    await d.sim.control('set-price', { pair: 'EURUSD', price: 1.0915 });
    await d.sim.waitForState(
      (s) => s.orders.some((o) => o.orderRef === 'down-oca-target' && o.status === 'Filled') && s.orders.some((o) => o.orderRef === 'down-oca-stop' && o.status === 'Cancelled'),
      'target filled and stop cancelled by OCA at the broker',
      20_000,
    );

    const restartedAt = Date.now();
    await d.startHost();
    const autopsy = await d.waitForBead('AUTOPSY', (b) => b.data.position_id === 'down-oca', 'the autopsy', 30_000);
    expect(autopsy.data.exit_reason).toBe('TARGET');
    await reconciledAfter(d, restartedAt);
    // The log knows how the stop ended: it is not working anywhere, so health has nothing stuck to report.
    const stopStatuses = (await d.ofType('ORDER')).filter((b) => b.data.order_ref === 'down-oca-stop').map((b) => b.data.status);
    expect(stopStatuses).toContain('Cancelled');
    await noWorkingOrdersFor(d, 'down-oca');
  }, 120_000);
});

describe('restart recovery: a close that was started is finished', () => {
  it('a close interrupted after the stop and target were cancelled: the restarted host sends the close, once', async () => {
    desk = await openPaperDesk({ env: REAL_TIME });
    const d = desk;
    await d.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    await d.startHost();
    await managed(d, 'cut-close');
    // The gateway acts on what it hears but answers nothing: the host never learns the cancels went through.
    await d.sim.control('silent');
    const close = await d.cli(['close', 'cut-close', '--reason', 'end of day', '--as', 'alice']);
    expect(close.code, close.stderr).toBe(0);
    await d.sim.waitForState(
      (s) => ['cut-close-stop', 'cut-close-target'].every((ref) => s.orders.some((o) => o.orderRef === ref && o.status === 'Cancelled')),
      'stop and target cancelled at the broker',
      20_000,
    );
    await d.stopHost('SIGKILL');
    await d.sim.control('unsilent');
    expect((await d.simOrders('cut-close')).filter((o) => o.orderRef.startsWith('cut-close-close'))).toEqual([]);
    // Between the two hosts the position is open at the broker with no stop: that is what the restart must finish.
    expect((await d.sim.state()).positions.find((p) => p.pair === 'EURUSD')?.position).toBe(20_000);

    const restartedAt = Date.now();
    await d.startHost();
    const autopsy = await d.waitForBead('AUTOPSY', (b) => b.data.position_id === 'cut-close', 'the autopsy', 30_000);
    expect(autopsy.data.exit_reason).toBe('MANUAL');
    const closes = (await d.simOrders('cut-close')).filter((o) => o.orderRef.startsWith('cut-close-close'));
    expect(closes).toHaveLength(1);
    expect((await d.sim.state()).positions.find((p) => p.pair === 'EURUSD')?.position ?? 0).toBe(0);
    await reconciledAfter(d, restartedAt);
    expect(await positionStates(d, 'cut-close')).toContain('CLOSED');
  }, 120_000);

  slowIt('a close written ahead but lost before it reached the broker: looked up by orderRef, not found, sent again with its recorded id', async () => {
    desk = await openPaperDesk({ env: REAL_TIME });
    const d = desk;
    await d.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    await d.startHost();
    await managed(d, 'lost-close');
    // The next order the gateway reads is lost on its way, as in a gateway crash with the message in its buffer.
    await d.sim.control('lose-next-order', {});
    const close = await d.cli(['close', 'lost-close', '--as', 'alice']);
    expect(close.code, close.stderr).toBe(0);
    const written = await d.waitForBead(
      'ORDER',
      (b) => b.data.order_ref === 'lost-close-close-1' && b.data.event === 'SUBMIT_REQUESTED',
      'the close written ahead',
      20_000,
    );
    await d.sim.waitForState((s) => s.counts.ordersLost === 1, 'the close lost at the gateway', 20_000);
    await d.stopHost('SIGKILL');
    expect((await d.simOrders('lost-close')).filter((o) => o.orderRef.startsWith('lost-close-close'))).toEqual([]);

    const restartedAt = Date.now();
    await d.startHost();
    await d.waitForBead('AUTOPSY', (b) => b.data.position_id === 'lost-close', 'the autopsy', 30_000);
    const closes = (await d.simOrders('lost-close')).filter((o) => o.orderRef.startsWith('lost-close-close'));
    expect(closes.map((o) => [o.orderRef, o.orderId])).toEqual([['lost-close-close-1', written.data.order_id]]);
    await reconciledAfter(d, restartedAt);
  }, 120_000);
});

describe('restart recovery: a human decision waits for the broker', () => {
  it('an approval restored before nextValidId: the order goes out once the gateway answers, and the approval is CONSUMED', async () => {
    desk = await openPaperDesk({ env: FIFTH_TIME });
    const d = desk;
    await d.startHost();
    await evidenced(d, 'early-approve');
    await d.stopHost('SIGKILL');
    // The person approves while no host runs; the next host starts against a gateway that does not answer yet.
    await approve(d, 'early-approve');
    await d.sim.control('silent');
    const restartedAt = Date.now();
    await d.startHost();
    await d.sim.control('unsilent');
    await d.waitForBead('POSITION', (b) => b.data.position_id === 'early-approve' && b.data.state === 'MANAGED', 'MANAGED', 90_000);
    const events = (await d.ofType('APPROVAL')).filter((b) => b.data.intent_id === 'early-approve').map((b) => b.data.event);
    expect(events).not.toContain('REJECTED');
    expect(events.at(-1)).toBe('CONSUMED');
    await reconciledAfter(d, restartedAt);
  }, 150_000);

  slowIt('a close request restored before the connection: the restarted host closes the position once connected', async () => {
    desk = await openPaperDesk({ env: REAL_TIME });
    const d = desk;
    await d.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    await d.startHost();
    await managed(d, 'early-close');
    await d.stopHost('SIGKILL');
    const close = await d.cli(['close', 'early-close', '--as', 'alice']);
    expect(close.code, close.stderr).toBe(0);
    await d.sim.control('silent');
    const restartedAt = Date.now();
    await d.startHost();
    await d.sim.control('unsilent');
    const autopsy = await d.waitForBead('AUTOPSY', (b) => b.data.position_id === 'early-close', 'the autopsy', 90_000);
    expect(autopsy.data.exit_reason).toBe('MANUAL');
    expect((await d.simOrders('early-close')).filter((o) => o.orderRef.startsWith('early-close-close'))).toHaveLength(1);
    expect(await positionStates(d, 'early-close')).not.toContain('STALLED');
    await reconciledAfter(d, restartedAt);
  }, 150_000);
});
