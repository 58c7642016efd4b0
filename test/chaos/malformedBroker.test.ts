/**
 * S14: broker messages are checked at the boundary. The gateway simulator
 * (its own process) sends, through its `malformed` chaos control, each kind
 * of message a gateway should never send to a running `phoenix run` (paper,
 * its own process): each is refused with a log line and a SECURITY bead
 * (channel BROKER), nothing downstream takes it for a fact, and the desk
 * trades on: a whole round trip after them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPaperDesk, type PaperDesk } from '../e2e/paperDesk.ts';

let desk: PaperDesk;
/** When the host first connected. At TIME_SCALE 0.01 a connect attempt has 150 ms, and a loaded machine may need a second. */
let connectedAt = '';
beforeAll(async () => {
  desk = await openPaperDesk();
  await desk.startHost();
  connectedAt = (await desk.waitForBead('IBKR_SESSION', (b) => b.data.event === 'CONNECT', 'the host connected', 30_000)).ts;
}, 90_000);
afterAll(async () => {
  await desk?.close();
});

const KINDS = [
  { kind: 'missing-field', why: /^undecodable refused: the client could not decode a message from the gateway \(IB 505\): Underrun error on ORDER_STATUS/ },
  { kind: 'nan-price', why: /^execDetails refused: price: .*NaN/ },
  { kind: 'unknown-order', why: /^orderStatus refused: order 999999999 is not one this desk ever sent$/ },
  { kind: 'unknown-contract', why: /^execDetails refused: execution sim-malformed-contract-\d+ of order \d+ is for XAUUSD \(CMDTY\), none of the six pairs Phoenix trades$/ },
] as const;

describe('malformed broker messages against a running host (S14)', () => {
  it('refuses each kind with a log line and a SECURITY bead, takes none of them for a fact, and trades on', async () => {
    // A first trade, so the bad executions name a real order of this host.
    await desk.roundTrip('bm-1');
    const hostPid = desk.host!.child.pid;

    for (const { kind, why } of KINDS) {
      const reply = await desk.sim.control<{ clients: number }>('malformed', { kind, clientId: 7 });
      expect(reply.clients, kind).toBe(1);
      const bead = await desk.waitForBead('SECURITY', (b) => b.data.channel === 'BROKER' && why.test(b.data.why), `the refusal of ${kind}`);
      expect(bead.data.who).toBe(`gateway 127.0.0.1:${desk.sim.port}`);
      expect(bead.data.detail?.length).toBeGreaterThan(0);
    }
    const stderr = desk.host!.stderr();
    for (const message of ['undecodable', 'execDetails', 'orderStatus']) expect(stderr).toContain(`refused a ${message} message from the gateway`);

    // None of them became a fact: no fill from the bad executions, no order bead for an order never sent.
    const fills = await desk.ofType('FILL');
    expect(fills.filter((f) => f.data.exec_id.startsWith('sim-malformed-'))).toEqual([]);
    expect((await desk.ofType('ORDER')).filter((o) => o.data.order_id === 999_999_999)).toEqual([]);
    expect((await desk.ofType('SECURITY')).filter((b) => b.data.channel === 'BROKER')).toHaveLength(KINDS.length);

    // Still the same host, still connected, still trading.
    expect(desk.host!.child.exitCode).toBeNull();
    expect(desk.host!.child.pid).toBe(hostPid);
    expect((await desk.ofType('IBKR_SESSION')).filter((s) => s.data.event === 'DISCONNECT' && s.ts > connectedAt)).toEqual([]);
    const autopsy = await desk.roundTrip('bm-2');
    expect(autopsy.data).toMatchObject({ position_id: 'bm-2', exit_reason: 'TARGET' });
    expect((await desk.sim.state()).counts.internalErrors).toBe(0);
  });
});
