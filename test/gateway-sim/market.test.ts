import { EventName } from '@stoqey/ib';
import { afterEach, describe, expect, it } from 'vitest';
import { FX_PAIRS, PAIR_NAMES, resolvePair } from '../../tools/gateway-sim/market/fxPairs.ts';
import { PriceBook } from '../../tools/gateway-sim/market/priceBook.ts';
import { GatewaySimulator } from '../../tools/gateway-sim/simulator.ts';
import { IbTestClient } from '../support/gatewaySimClient.ts';
import { EURUSD } from '../support/gatewaySimScript.ts';

function path(seed: number, steps: number): number[] {
  const book = new PriceBook(seed);
  const mids: number[] = [];
  for (let i = 0; i < steps; i += 1) {
    book.step();
    mids.push(book.mid('EURUSD'), book.mid('USDJPY'));
  }
  return mids;
}

describe('price walk', () => {
  it('is the same walk for the same seed, and another for another seed', () => {
    expect(path(42, 50)).toEqual(path(42, 50));
    expect(path(42, 50)).not.toEqual(path(43, 50));
  });

  it('quotes half a pip either side of the mid, to a tenth of a pip (JPY included)', () => {
    const book = new PriceBook(1);
    book.set('EURUSD', 1.123456);
    book.set('USDJPY', 151.23456);
    expect(book.quote('EURUSD')).toEqual({ bid: 1.12341, ask: 1.12351, mid: 1.12346 });
    expect(book.quote('USDJPY')).toEqual({ bid: 151.23, ask: 151.24, mid: 151.235 });
  });

  it('moves every pair by small steps, never to zero', () => {
    const book = new PriceBook(5);
    for (let i = 0; i < 1000; i += 1) book.step();
    for (const name of PAIR_NAMES) {
      const drift = Math.abs(book.mid(name) / FX_PAIRS[name].startPrice - 1);
      expect(drift).toBeLessThan(0.05);
    }
  });
});

describe('FX contracts', () => {
  it('resolves the six pairs as CASH on IDEALPRO, or by conId', () => {
    for (const name of PAIR_NAMES) {
      const p = FX_PAIRS[name];
      const bySymbol = {
        conId: 0,
        symbol: p.symbol,
        secType: 'CASH',
        exchange: 'IDEALPRO',
        currency: p.currency,
        localSymbol: '',
      };
      expect(resolvePair(bySymbol)?.name).toBe(name);
      expect(resolvePair({ ...bySymbol, symbol: '', currency: '', exchange: '', conId: p.conId })?.name).toBe(name);
    }
  });

  it('knows nothing else: an unknown symbol, another exchange or a stock', () => {
    const base = { conId: 0, symbol: 'EUR', secType: 'CASH', exchange: 'IDEALPRO', currency: 'USD', localSymbol: '' };
    expect(resolvePair({ ...base, symbol: 'XXX' })).toBeUndefined();
    expect(resolvePair({ ...base, exchange: 'SMART' })).toBeUndefined();
    expect(resolvePair({ ...base, secType: 'STK' })).toBeUndefined();
    expect(resolvePair({ ...base, conId: 1 })).toBeUndefined();
  });
});

describe('market data from the walk', () => {
  let sim: GatewaySimulator | undefined;
  let client: IbTestClient | undefined;
  afterEach(async () => {
    await client?.disconnect();
    await sim?.stop();
  });

  it('streams moving quotes while the walk runs; after a 1101 the subscription is gone', async () => {
    sim = GatewaySimulator.create({
      port: 0,
      account: 'DU123456',
      serverVersion: 193,
      seed: 3,
      nextValidId: 1,
      tickMs: 10,
    });
    const port = await sim.start();
    client = await IbTestClient.connect({ port, clientId: 1 });
    client.ib.reqMktData(1, EURUSD, '', false, false);
    const c = client;
    const bids = () =>
      new Set(
        c
          .argsOf(EventName.tickPrice)
          .filter(([, type]) => type === 1)
          .map(([, , p]) => p),
      );
    await c.waitFor(EventName.tickPrice, () => bids().size >= 5);

    expect(sim.announceConnectivity('restored-data-lost')).toBe(1);
    await c.waitFor(EventName.info, ([, code]) => code === 1101);
    const since = c.mark();
    c.ib.reqCurrentTime();
    await c.waitFor(EventName.currentTime, undefined, { since });
    const later = c.mark();
    c.ib.reqCurrentTime();
    await c.waitFor(EventName.currentTime, undefined, { since: later });
    expect(c.argsOf(EventName.tickPrice, later)).toEqual([]);
    expect(c.protocolErrors()).toEqual([]);
  });
});
