import { EventEmitter } from 'node:events';
import { EventName, type IBApi } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { ConnectorEmitter, type ConnectorEvents } from '../../actors/broker/connector.ts';
import { IbInbound } from '../../actors/broker/ibInbound.ts';
import type { BrokerRefusal } from '../../actors/broker/inboundChecks.ts';
import { PER_MINUTE, RefusalRecorder } from '../../actors/broker/refusalRecorder.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { MemoryEventLog } from '../../store/memory.ts';

/**
 * S14 at the broker's boundary, message by message, as @stoqey/ib hands them
 * over: what does not fit is refused (a `refused` event, nothing else), what
 * fits goes on as before, and a listener that throws never reaches the
 * library's socket reader.
 */
function rig(knownUpTo = 100) {
  const ib = new EventEmitter();
  const emitter = new ConnectorEmitter();
  const seen: { [K in keyof ConnectorEvents]?: ConnectorEvents[K][] } = {};
  for (const name of ['orderStatus', 'execution', 'tick', 'refused', 'notice'] as const) {
    emitter.on(name, (p) => {
      const list = (seen[name] ?? []) as unknown[];
      list.push(p);
      seen[name] = list as never;
    });
  }
  const ids: number[] = [];
  const inbound = new IbInbound(emitter, {
    now: () => Date.parse('2026-11-24T09:00:00Z'),
    alive: () => undefined,
    isOurOrder: (id) => id <= knownUpTo,
    isKnownOrder: (id) => id <= knownUpTo,
    nextValidId: (id) => ids.push(id),
    commissionWaitMs: 1,
  });
  inbound.marketData.set(1_500_000_001, 'EURUSD');
  inbound.wire(ib as unknown as IBApi);
  return { ib, seen, ids, inbound, refused: () => (seen.refused ?? []) as BrokerRefusal[] };
}

const EURUSD = { symbol: 'EUR', currency: 'USD', secType: 'CASH' };
const execution = (over: Record<string, unknown> = {}) => ({ execId: 'e-1', orderId: 7, shares: 1000, price: 1.085, side: 'BOT', time: '20261124 09:00:00', ...over });

describe('broker messages at the boundary', () => {
  it('an orderStatus with a NaN price, or about an order never sent, is refused; a good one passes', () => {
    const r = rig();
    r.ib.emit(EventName.orderStatus, 7, 'Filled', 1000, 0, Number.NaN, 11, 0, 1.085);
    r.ib.emit(EventName.orderStatus, 999, 'Submitted', 0, 1000, 0, 12, 0, 0);
    r.ib.emit(EventName.orderStatus, 7, 'Filled', 1000, 0, 1.085, 11, 0, 1.085);
    expect(r.refused().map((x) => x.why)).toEqual(['avgFillPrice: Invalid input: expected number, received NaN', 'order 999 is not one this desk ever sent']);
    expect(r.seen.orderStatus?.map((u) => [u.orderId, u.avgFillPrice])).toEqual([[7, 1.085]]);
  });

  it('an execution without an id, priced NaN, or for a contract that is none of the six pairs, is refused and never becomes a fill', async () => {
    const r = rig();
    r.ib.emit(EventName.execDetails, -1, EURUSD, execution({ execId: '' }));
    r.ib.emit(EventName.execDetails, -1, EURUSD, execution({ execId: 'e-2', price: Number.NaN }));
    r.ib.emit(EventName.execDetails, -1, { symbol: 'AAPL', currency: 'USD', secType: 'STK' }, execution({ execId: 'e-3' }));
    r.ib.emit(EventName.execDetails, -1, EURUSD, execution({ execId: 'e-4' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.refused().map((x) => x.why)).toEqual([
      'execId: Too small: expected string to have >=1 characters',
      'price: Invalid input: expected number, received NaN',
      'execution e-3 of order 7 is for AAPL.USD (STK), none of the six pairs Phoenix trades',
    ]);
    expect(r.seen.execution?.map((e) => e.execId)).toEqual(['e-4']);
  });

  it('a NaN tick, nextValidId or commission is refused; IB\'s -1 "no price yet" is not malformed, just not a tick', () => {
    const r = rig();
    r.ib.emit(EventName.tickPrice, 1_500_000_001, 1, Number.NaN);
    r.ib.emit(EventName.tickPrice, 1_500_000_001, 1, -1);
    r.ib.emit(EventName.tickPrice, 1_500_000_001, 1, 1.0851);
    r.ib.emit(EventName.nextValidId, Number.NaN);
    r.ib.emit(EventName.nextValidId, 42);
    r.ib.emit(EventName.commissionReport, { execId: 'e-9', commission: Number.NaN });
    expect(r.refused().map((x) => x.message)).toEqual(['tickPrice', 'nextValidId', 'commissionReport']);
    expect(r.seen.tick?.map((t) => t.bid)).toEqual([1.0851]);
    expect(r.ids).toEqual([42]);
  });

  it('a message the library could not decode (505, id -1) is refused, not passed on as a notice', () => {
    const r = rig();
    r.ib.emit(EventName.error, new Error('Underrun error on ORDER_STATUS: End of message reached. Please report to https://github.com/stoqey/ib'), 505, -1);
    expect(r.refused()).toEqual([expect.objectContaining({ message: 'undecodable', key: 'undecodable:Underrun error on ORDER_STATUS' })]);
    expect(r.seen.notice).toBeUndefined();
  });

  it('a handler that throws becomes a refusal of that message; the library\'s emit never sees the throw', () => {
    const r = rig();
    // A position whose contract is missing altogether: reading it throws inside the handler.
    expect(() => r.ib.emit(EventName.position, 'DU1', undefined, 1000, 1.08)).not.toThrow();
    expect(r.refused()).toEqual([expect.objectContaining({ message: 'position', why: expect.stringMatching(/^could not be handled: /) })]);
  });
});

describe('recording refusals', () => {
  it('one SECURITY bead (channel BROKER) per refusal key, at most 20 a minute, the rest counted in the next one', async () => {
    const log = new MemoryEventLog();
    const clock = new ManualClock(Date.parse('2026-11-24T09:00:00Z'));
    const writer = new BeadWriter({ log, hostId: 'h', mode: 'PAPER', clock });
    const recorder = new RefusalRecorder(writer, clock, silentLogger, 'gateway 127.0.0.1:4002', 'run-1');
    const refusal = (key: string): BrokerRefusal => ({ message: 'tickPrice', why: `bad ${key}`, detail: '{}', key });
    recorder.record(refusal('a'));
    recorder.record(refusal('a'));
    for (let i = 0; i < PER_MINUTE + 5; i++) recorder.record(refusal(`k${i}`));
    clock.advance(60_000);
    recorder.record(refusal('late'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const beads = [];
    for await (const e of log.readAll()) if (e.kind === 'bead' && e.bead.bead_type === 'SECURITY') beads.push(e.bead);
    expect(beads).toHaveLength(PER_MINUTE + 1);
    expect(beads[0]!.data).toEqual({ who: 'gateway 127.0.0.1:4002', channel: 'BROKER', why: 'tickPrice refused: bad a', detail: '{}' });
    expect(beads.at(-1)!.data.detail).toMatch(/6 earlier refusals were counted, not recorded one by one/);
  });
});
