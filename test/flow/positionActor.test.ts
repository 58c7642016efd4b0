import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../runtime/clock.ts';
import type { Alert } from '../../actors/notify/outbox.ts';
import { OrderBook } from '../../actors/flow/orderBook.ts';
import { PositionActor } from '../../actors/flow/positionActor.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Bead, BeadData, BeadOf } from '../../beads/index.ts';
import { replayPosition } from '../../machines/positionReplay.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { waitUntil } from '../support/gatewaySimClient.ts';
import { stampAt } from '../machines/support.ts';

/**
 * The position actor on its own, time-scaled (0.01: the 30 s acknowledgement
 * timeout is 300 ms, the 5 min stall warning 3 s): a broker that says nothing
 * stalls the position, the stall is recorded and warned about, and the
 * broker's next fact brings it back; a replay of its stream lands where the
 * live actor is.
 */

let actor: PositionActor | undefined;
afterEach(() => actor?.stop());

const order = (ref: string, data: Omit<BeadData<'ORDER'>, 'order_ref'>): Bead =>
  stampAt({ bead_type: 'ORDER', stream: `order-${ref}`, correlation_id: 'st-1', data: { order_ref: ref, ...data } }, Date.now());

describe('position actor', () => {
  it('no acknowledgement in time → STALLED (and a POSITION_STALLED warning); the broker’s status brings it back', async () => {
    const log = new MemoryEventLog();
    const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: 'h', mode: 'PAPER' });
    const book = new OrderBook();
    const alerts: Alert[] = [];
    book.apply(order('st-1-entry', { event: 'SUBMIT_REQUESTED', order_id: 5, role: 'ENTRY', position_id: 'st-1', pair: 'EURUSD', action: 'BUY', quantity: 20_000, order_type: 'MKT' }));
    actor = new PositionActor(
      {
        writer,
        logger: silentLogger,
        alerts: { raise: async (a) => alerts.push(a) },
        book,
        now: () => Date.now(),
        onCommand: () => undefined,
      },
      { input: { positionId: 'st-1', intentId: 'st-1', pair: 'EURUSD', side: 'LONG', quantity: 20_000, plannedEntry: 1.085, stop: 1.082, target: 1.091, submittedAt: Date.now(), timeScale: 0.01 } },
    );
    const a = actor;
    a.start();
    await waitUntil(() => a.state === 'STALLED', 'STALLED', 5_000);
    await waitUntil(() => alerts.find((x) => x.alertType === 'POSITION_STALLED'), 'the stall warning', 10_000);

    book.apply(order('st-1-entry', { event: 'STATUS', order_id: 5, status: 'Submitted', filled: 0 }));
    a.onFacts();
    expect(a.state).toBe('SUBMITTED');
    await a.settled();
    const beads: Bead[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead') beads.push(e.bead);
    const states = (beads as BeadOf<'POSITION'>[]).map((b) => b.data.state);
    expect(states).toEqual(['SUBMITTED', 'STALLED', 'SUBMITTED']);
    const { snapshot, anomalies } = replayPosition(beads);
    expect(anomalies).toEqual([]);
    expect(snapshot.value).toEqual(a.snapshot.value);
  }, 20_000);
});
