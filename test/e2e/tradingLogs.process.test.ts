/**
 * Issue 18: the host's log says what happened in trading. A paper desk (the
 * gateway simulator and `phoenix run` as processes, LOG_FORMAT=json) trades
 * one position to a close, has one entry rejected by the broker, and is
 * halted and resumed; the host's JSON log then has one line for each order
 * sent, each fill, the close, the reject, the halt and the resume, each
 * naming the order ref or position, pair, side, quantity and price, and no
 * line repeats a key.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPaperDesk, type PaperDesk } from './paperDesk.ts';
import { slowDescribe } from '../support/slow.ts';

let desk: PaperDesk;

beforeAll(async () => {
  desk = await openPaperDesk({ env: { LOG_LEVEL: 'info', LOG_FORMAT: 'json', PHOENIX_HOST_ID: 'log-host' } });
  await desk.startHost();
}, 60_000);
afterAll(async () => desk?.close());

type Line = Record<string, unknown> & { msg: string };

/** Each line of the host's stderr, parsed; a line with a key twice fails here, whatever its level. */
function hostLines(): Line[] {
  const out: Line[] = [];
  for (const raw of desk.host!.stderr().split('\n')) {
    if (!raw.startsWith('{')) continue;
    const keys = [...raw.matchAll(/[{,]"([^"]+)":/g)].map((m) => m[1]!);
    const line = JSON.parse(raw) as Line;
    const top = Object.keys(line);
    // Keys of the line itself (nested objects aside) must each appear once.
    expect(keys.filter((k) => top.includes(k)).length, `a key repeated in: ${raw}`).toBe(top.length);
    out.push(line);
  }
  return out;
}

const linesOf = (msg: string | RegExp) => hostLines().filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)));

// test:slow only (a paper desk through a dozen trades): npm test checks the log's format in test/tools/logs.test.ts.
slowDescribe('the host’s log on a paper desk', () => {
  it('one line per order sent, fill, close, reject, halt and resume, with ref, pair, side, quantity and price', async () => {
    await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    await desk.readyIntent('logs-1');
    await desk.waitForBead('APPROVAL', (b) => b.data.intent_id === 'logs-1' && b.data.event === 'EVIDENCE_SHOWN', 'evidence for logs-1');
    expect((await desk.cli(['approve', 'logs-1', '--yes', '--as', 'alice'])).code).toBe(0);
    await desk.waitForBead('POSITION', (b) => b.data.position_id === 'logs-1' && b.data.state === 'MANAGED', 'logs-1 MANAGED');
    expect((await desk.cli(['close', 'logs-1', '--reason', 'log test', '--as', 'alice'])).code).toBe(0);
    await desk.waitForBead('POSITION', (b) => b.data.position_id === 'logs-1' && b.data.state === 'CLOSED', 'logs-1 CLOSED', 30_000);

    await desk.sim.control('reject-next-order', { reason: 'log test reject' });
    await desk.readyIntent('logs-2');
    await desk.waitForBead('APPROVAL', (b) => b.data.intent_id === 'logs-2' && b.data.event === 'EVIDENCE_SHOWN', 'evidence for logs-2');
    expect((await desk.cli(['approve', 'logs-2', '--yes', '--as', 'alice'])).code).toBe(0);
    await desk.waitForBead('ORDER', (b) => b.data.position_id === 'logs-2' && b.data.event === 'REJECTED', 'the broker’s rejection of logs-2');

    expect((await desk.cli(['halt', '--reason', 'log test halt', '--as', 'alice'])).code).toBe(0);
    expect((await desk.cli(['resume', '--reason', 'log test resume', '--as', 'alice'])).code).toBe(0);
    await expect.poll(() => linesOf('kill flag ARMED').length, { timeout: 20_000 }).toBe(1);

    const sent = linesOf('order sent').filter((l) => l.positionId === 'logs-1');
    // The bracket (entry, stop, target) and the close: each order once.
    expect(sent.map((l) => l.role).sort()).toEqual(['CLOSE', 'ENTRY', 'STOP', 'TARGET']);
    for (const l of sent) expect(l).toMatchObject({ pair: 'EURUSD', side: expect.stringMatching(/^(BUY|SELL)$/), quantity: 20_000, orderRef: expect.stringMatching(/^logs-1-/) });
    expect(sent.find((l) => l.role === 'STOP')).toMatchObject({ side: 'SELL', price: 1.082 });

    const fills = linesOf('fill').filter((l) => l.positionId === 'logs-1');
    const fillBeads = (await desk.ofType('FILL')).filter((f) => f.data.position_id === 'logs-1');
    expect(fills).toHaveLength(fillBeads.length);
    expect(fills.map((l) => l.side).sort()).toEqual(['BUY', 'SELL']);
    for (const l of fills) expect(l).toMatchObject({ pair: 'EURUSD', quantity: 20_000, price: expect.any(Number), orderRef: expect.stringMatching(/^logs-1-/) });

    const closed = linesOf('position closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ positionId: 'logs-1', by: 'CLOSE', pair: 'EURUSD', side: 'SELL', quantity: 20_000, price: expect.any(Number) });

    const rejected = linesOf(/^order rejected by the broker: .*log test reject/);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ positionId: 'logs-2', role: 'ENTRY', pair: 'EURUSD', side: 'BUY', quantity: 20_000, level: 40 });

    expect(linesOf('HALT COMPLETED')).toHaveLength(1);
    expect(linesOf('HALT COMPLETED')[0]).toMatchObject({ cancelled: expect.any(Number), elapsedMs: expect.any(Number) });
    expect(linesOf('HALT requested: executing RB-004')).toEqual([expect.objectContaining({ who: 'cli:alice', reason: 'log test halt', flatten: false })]);
    expect(linesOf('kill flag ARMED')[0]!.state).toMatch(/ARMED \(last cleared by cli:alice: log test resume\)/);
  }, 180_000);
});
