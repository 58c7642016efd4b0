import { describe, expect, it } from 'vitest';
import { MessagePacer } from '../../actors/broker/pacer.ts';

/** Releases every waiting acquire in virtual time: the pacer's buckets read `now`, its timers are real but short. */
async function drain(pacer: MessagePacer, requests: { n: number; lane: 'order' | 'request' | 'probe' }[], clock: { t: number }) {
  const released: { at: number; n: number; lane: string }[] = [];
  const pending = requests.map((r) => pacer.acquire(r.n, r.lane).then((v) => v.ok && released.push({ at: clock.t, n: r.n, lane: r.lane })));
  for (let i = 0; i < 20_000 && released.length < requests.length; i += 1) {
    clock.t += 5;
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  return released;
}

function maxInAnyWindow(events: { at: number; n: number }[], windowMs: number): number {
  let max = 0;
  for (const start of events) {
    const sum = events.filter((e) => e.at >= start.at && e.at < start.at + windowMs).reduce((s, e) => s + e.n, 0);
    max = Math.max(max, sum);
  }
  return max;
}

describe('the message pacer', () => {
  it('never lets more than 45 messages into any one-second window, whatever the burst (IB allows 50)', async () => {
    const clock = { t: 0 };
    const pacer = new MessagePacer({ now: () => clock.t });
    const released = await drain(pacer, Array.from({ length: 150 }, (_, i) => ({ n: i % 7 === 0 ? 3 : 1, lane: i % 2 ? 'order' : 'request' })), clock);
    expect(released).toHaveLength(150);
    expect(maxInAnyWindow(released, 1_000)).toBeLessThanOrEqual(45);
  });

  it('rate-limits orders below the message limit, and reports one backlog per episode', async () => {
    const clock = { t: 0 };
    const pacer = new MessagePacer({ now: () => clock.t });
    const backlogs: number[] = [];
    pacer.onBacklog((b) => backlogs.push(b.queued));
    const released = await drain(pacer, Array.from({ length: 100 }, () => ({ n: 1, lane: 'order' as const })), clock);
    const orders = released.filter((r) => r.lane === 'order');
    expect(maxInAnyWindow(orders, 1_000)).toBeLessThanOrEqual(30);
    expect(backlogs).toHaveLength(1);
    // A new burst after the queue drained is a new episode.
    await drain(pacer, Array.from({ length: 40 }, () => ({ n: 1, lane: 'order' as const })), clock);
    expect(backlogs).toHaveLength(2);
  });

  it('lets a liveness probe jump the queue: a busy link is not declared dead', async () => {
    const clock = { t: 0 };
    const pacer = new MessagePacer({ now: () => clock.t });
    const order: string[] = [];
    const orders = Array.from({ length: 30 }, (_, i) => pacer.acquire(1, 'order').then(() => order.push(`o${i}`)));
    const probe = pacer.acquire(1, 'probe').then(() => order.push('probe'));
    for (let i = 0; i < 400 && order.length < 31; i += 1) {
      clock.t += 5;
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all([...orders, probe]);
    expect(order.indexOf('probe')).toBeLessThan(8);
  });

  it('refuses rather than queues for ever: a full queue, an oversized batch, a closed pacer', async () => {
    const clock = { t: 0 };
    const pacer = new MessagePacer({ now: () => clock.t, maxQueued: 10 });
    const waiting = Array.from({ length: 15 }, () => pacer.acquire(1, 'request'));
    expect(await pacer.acquire(1, 'request')).toMatchObject({ ok: false, reason: expect.stringMatching(/queue full/) });
    expect(await pacer.acquire(6, 'order')).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot pace 6/) });
    pacer.close('shutting down');
    const verdicts = await Promise.all(waiting);
    expect(verdicts.filter((v) => !v.ok).every((v) => !v.ok && v.reason === 'shutting down')).toBe(true);
    expect(await pacer.acquire(1, 'request')).toEqual({ ok: false, reason: 'shutting down' });
  });
});
