import { afterEach, describe, expect, it } from 'vitest';
import { openPaperDesk, type PaperDesk } from './paperDesk.ts';

/**
 * Issue 4, Done-when 1: the paper round trip end to end, every part real and
 * in its own process: `phoenix run` (the @stoqey/ib client) against the
 * gateway simulator, the intent written by `phoenix mock-cse`, the decision
 * by `phoenix approve`, the story read back with `phoenix replay`.
 */

let desk: PaperDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const STORY_TYPES = ['INTENT', 'APPROVAL', 'ORDER', 'FILL', 'POSITION', 'AUTOPSY'];

describe('paper round trip (host process, simulator process)', () => {
  it('mock-cse READY → evidence in response.md → approve → bracket at the simulator → SUBMITTED → FILLED → MANAGED → MATCH → target → CLOSED → AUTOPSY', async () => {
    desk = await openPaperDesk();
    const d = desk;
    await d.startHost();
    await d.readyIntent('e2e-1');

    const evidence = await d.waitForResponse(/Approval needed: `e2e-1`/, 'the evidence bundle in response.md');
    expect(evidence).toContain('phoenix approve e2e-1');
    expect(evidence).toMatch(/current price \| 1\.08/);
    await d.waitForBead('APPROVAL', (b) => b.data.intent_id === 'e2e-1' && b.data.event === 'EVIDENCE_SHOWN', 'EVIDENCE_SHOWN');

    const approve = await d.cli(['approve', 'e2e-1', '--yes', '--as', 'alice']);
    expect(approve.code, approve.stderr).toBe(0);

    // The bracket at the broker: entry, and the target and stop as OCA children of it.
    await d.sim.waitForState((s) => s.orders.filter((o) => o.orderRef.startsWith('e2e-1-')).length === 3, 'the bracket at the simulator', 20_000);
    const orders = (await d.sim.state()).orders.filter((o) => o.orderRef.startsWith('e2e-1-'));
    const entry = orders.find((o) => o.orderRef === 'e2e-1-entry')!;
    expect(orders.filter((o) => o.orderRef !== 'e2e-1-entry').every((o) => o.parentId === entry.orderId && o.ocaGroup !== '')).toBe(true);

    const managed = await d.waitForBead('POSITION', (b) => b.data.position_id === 'e2e-1' && b.data.state === 'MANAGED', 'MANAGED');
    await d.waitForBead('RECONCILIATION', (b) => b.data.result === 'MATCH' && b.ts > managed.ts, 'a reconciliation MATCH after MANAGED');

    await d.sim.control('set-price', { pair: 'EURUSD', price: 1.0915 });
    const autopsy = await d.waitForBead('AUTOPSY', (b) => b.data.position_id === 'e2e-1', 'the AUTOPSY');
    expect(autopsy.data.exit_reason).toBe('TARGET');
    expect(autopsy.data.pnl).toBeGreaterThan(0);

    const states = (await d.ofType('POSITION')).filter((b) => b.data.position_id === 'e2e-1').map((b) => b.data.state);
    expect(states.filter((s, i) => s !== states[i - 1])).toEqual(['SUBMITTED', 'FILLED', 'MANAGED', 'CLOSED']);

    // One story, one correlation id: every bead about this intent, from the file to the autopsy.
    const story = (await d.beads()).filter((b) => STORY_TYPES.includes(b.bead_type) && b.stream.includes('e2e-1'));
    expect(new Set(story.map((b) => b.bead_type))).toEqual(new Set(STORY_TYPES));
    expect(story.filter((b) => b.correlation_id !== 'e2e-1')).toEqual([]);

    const replay = await d.cli(['replay', '--stream', 'position-e2e-1']);
    expect(replay.code, replay.stderr).toBe(0);
    for (const word of ['SUBMITTED', 'FILLED', 'MANAGED', 'CLOSED', 'AUTOPSY']) expect(replay.stdout).toContain(word);

    const stopped = await d.stopHost();
    expect(stopped?.code).toBe(0);
  }, 90_000);

  it('phoenix close: CLOSING, the stop and target cancelled at the broker, closed at market, AUTOPSY with exit MANUAL', async () => {
    desk = await openPaperDesk();
    const d = desk;
    await d.startHost();
    await d.readyIntent('e2e-close');
    await d.waitForBead('APPROVAL', (b) => b.data.intent_id === 'e2e-close' && b.data.event === 'EVIDENCE_SHOWN', 'evidence');
    expect((await d.cli(['approve', 'e2e-close', '--yes', '--as', 'alice'])).code).toBe(0);
    await d.waitForBead('POSITION', (b) => b.data.position_id === 'e2e-close' && b.data.state === 'MANAGED', 'MANAGED');

    const close = await d.cli(['close', 'e2e-close', '--reason', 'end of session', '--as', 'alice']);
    expect(close.code, close.stderr).toBe(0);
    const autopsy = await d.waitForBead('AUTOPSY', (b) => b.data.position_id === 'e2e-close', 'the AUTOPSY');
    expect(autopsy.data.exit_reason).toBe('MANUAL');
    const closing = await d.waitForBead('POSITION', (b) => b.data.position_id === 'e2e-close' && b.data.state === 'CLOSING', 'CLOSING');
    expect(closing.data.reason).toContain('cli:alice');
    const orders = await d.simOrders('e2e-close');
    expect(orders.find((o) => o.orderRef === 'e2e-close-stop')?.status).toBe('Cancelled');
    expect(orders.find((o) => o.orderRef === 'e2e-close-target')?.status).toBe('Cancelled');
    expect(orders.find((o) => o.orderRef === 'e2e-close-close-1')?.status).toBe('Filled');
    expect((await d.sim.state()).positions.find((p) => p.pair === 'EURUSD')?.position ?? 0).toBe(0);
  }, 90_000);
});
