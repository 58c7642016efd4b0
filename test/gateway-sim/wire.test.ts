import { describe, expect, it } from 'vitest';
import { fillPrice, fillQuantity, isMarketable } from '../../tools/gateway-sim/broker/fillRules.ts';
import { FieldReader, MalformedMessage } from '../../tools/gateway-sim/protocol/fieldReader.ts';
import { decodeRequest } from '../../tools/gateway-sim/protocol/requests.ts';
import { encodeFrame, parseVersionRange, ServerWireReader } from '../../tools/gateway-sim/protocol/wire.ts';
import { PacingMeter } from '../../tools/gateway-sim/server/pacing.ts';

function greeting(range: string): Buffer {
  const body = Buffer.from(range);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.from('API\0'), length, body]);
}

describe('TWS framing', () => {
  it('length-prefixes a message and ends every field with NUL', () => {
    const frame = encodeFrame([9, 1, 1000, true, undefined, 'x']);
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    expect(frame.subarray(4).toString()).toBe('9\x001\x001000\x001\x00\x00x\x00');
  });

  it('reads the greeting and the messages after it, however the bytes are split', () => {
    const bytes = Buffer.concat([greeting('v100..193'), encodeFrame([71, 2, 7, '']), encodeFrame([49, 1])]);
    const reader = new ServerWireReader();
    const events = [];
    for (let i = 0; i < bytes.length; i += 3) events.push(...reader.push(bytes.subarray(i, i + 3)));
    expect(events).toEqual([
      { type: 'greeting', range: { min: 100, max: 193 }, raw: 'v100..193' },
      { type: 'message', fields: ['71', '2', '7', ''] },
      { type: 'message', fields: ['49', '1'] },
    ]);
  });

  it('refuses a stream that does not start with the API greeting', () => {
    const events = new ServerWireReader().push(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(events).toEqual([{ type: 'protocolError', reason: expect.any(String) }]);
  });

  it('parses version ranges and single versions', () => {
    expect(parseVersionRange('v100..193')).toEqual({ min: 100, max: 193 });
    expect(parseVersionRange('v176')).toEqual({ min: 176, max: 176 });
    expect(parseVersionRange('v100..193 +PACEAPI')).toEqual({ min: 100, max: 193 });
    expect(parseVersionRange('hello')).toBeUndefined();
  });
});

describe('client message decoding', () => {
  it('turns a short or garbled message into MalformedMessage, not a crash', () => {
    expect(() => decodeRequest(['62', '1'], 193)).toThrow(MalformedMessage);
    expect(() => new FieldReader(['abc']).int('x')).toThrow(MalformedMessage);
  });

  it('names real TWS messages it does not serve, and flags ids TWS does not have', () => {
    expect(decodeRequest(['20', '6', '1'], 193)).toEqual({ kind: 'unsupported', msgId: 20, name: 'reqHistoricalData' });
    expect(decodeRequest(['999'], 193)).toEqual({ kind: 'unknown', msgId: 999 });
  });

  it('reads cancelOrder with and without the version field', () => {
    expect(decodeRequest(['4', '1', '42', ''], 176)).toEqual({ kind: 'cancelOrder', orderId: 42 });
    expect(decodeRequest(['4', '42', '', '', '2147483647'], 193)).toEqual({ kind: 'cancelOrder', orderId: 42 });
  });
});

describe('pacing', () => {
  it('allows 50 messages a second and answers the 51st once', () => {
    const meter = new PacingMeter({ maxPerSecond: 50, violationsToDisconnect: 3 }, 0);
    const verdicts = Array.from({ length: 60 }, (_, i) => meter.record(i));
    expect(verdicts.filter((v) => v === 'ok')).toHaveLength(50);
    expect(verdicts[50]).toBe('violation');
    expect(verdicts.slice(51).every((v) => v === 'excess')).toBe(true);
    expect(meter.record(1000)).toBe('ok');
  });

  it('disconnects after three violating seconds in a row, not after three apart', () => {
    const burst = (meter: PacingMeter, second: number) => {
      const verdicts = new Set<string>();
      for (let i = 0; i < 51; i += 1) verdicts.add(meter.record(second * 1000 + i));
      return verdicts;
    };
    const apart = new PacingMeter({ maxPerSecond: 50, violationsToDisconnect: 3 }, 0);
    expect([0, 2, 4].map((s) => burst(apart, s).has('disconnect'))).toEqual([false, false, false]);
    const inARow = new PacingMeter({ maxPerSecond: 50, violationsToDisconnect: 3 }, 0);
    expect([0, 1, 2].map((s) => burst(inARow, s).has('disconnect'))).toEqual([false, false, true]);
  });
});

describe('fill rules', () => {
  const quote = { bid: 1.1, ask: 1.1001, mid: 1.10005 };
  it('buys on the ask and sells on the bid', () => {
    expect(fillPrice({ action: 'BUY', orderType: 'MKT', lmtPrice: null, auxPrice: null }, quote)).toBe(1.1001);
    expect(fillPrice({ action: 'SELL', orderType: 'MKT', lmtPrice: null, auxPrice: null }, quote)).toBe(1.1);
  });

  it('fills a limit only when the touch reaches it, and a stop once the touch crosses it', () => {
    expect(isMarketable({ action: 'SELL', orderType: 'LMT', lmtPrice: 1.1, auxPrice: null }, quote)).toBe(true);
    expect(isMarketable({ action: 'SELL', orderType: 'LMT', lmtPrice: 1.1002, auxPrice: null }, quote)).toBe(false);
    expect(isMarketable({ action: 'SELL', orderType: 'STP', lmtPrice: null, auxPrice: 1.0999 }, quote)).toBe(false);
    expect(isMarketable({ action: 'SELL', orderType: 'STP', lmtPrice: null, auxPrice: 1.1 }, quote)).toBe(true);
  });

  it('splits a partial fill in half, never to zero', () => {
    expect(fillQuantity(20000, true)).toBe(10000);
    expect(fillQuantity(1, true)).toBe(1);
    expect(fillQuantity(20000, false)).toBe(20000);
  });
});
