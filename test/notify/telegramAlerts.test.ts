import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BeadOf } from '../../beads/index.ts';
import type { AlertType } from '../../actors/notify/alertTypes.ts';
import { AlertNotifier } from '../../actors/notify/notifier.ts';
import { raiseAlert } from '../../actors/notify/outbox.ts';
import { TelegramBot } from '../../actors/telegram/telegramBot.ts';
import type { Transport } from '../../actors/notify/transport.ts';
import type { Failure } from '../fakes/botApi.ts';
import { CHAT_ID, type Harness, startHarness, TEST_TOKEN, until } from './telegramHarness.ts';
import { runFor } from './virtualTime.ts';

/**
 * Alerts to the phone: the notifier and the real node-telegram-bot-api client
 * against the fake Bot API, on virtual time (minutes pass in milliseconds).
 */
/** Counts sends, so a test can tell "the request is at the fake" from "the request is still on its way". */
class CountingTransport implements Transport {
  readonly name: string;
  started = 0;
  inFlight = false;

  constructor(private readonly inner: Transport) {
    this.name = inner.name;
  }

  async send(text: string, signal: AbortSignal): Promise<string> {
    this.started += 1;
    this.inFlight = true;
    try {
      return await this.inner.send(text, signal);
    } finally {
      this.inFlight = false;
    }
  }
}

describe('alerts over Telegram', () => {
  let h: Harness;
  let notifier: AlertNotifier;
  let transport: CountingTransport;

  beforeEach(async () => {
    h = await startHarness();
    const bot = new TelegramBot({ settings: h.settings, log: h.log, source: h.source, timers: h.time, logger: h.logger });
    transport = new CountingTransport(bot.transport);
    notifier = new AlertNotifier({ log: h.log, transport, source: h.source, timers: h.time, logger: h.logger, requestTimeoutMs: 15_000 });
    await notifier.start();
  });

  afterEach(async () => {
    await notifier.stop();
    await h.close();
    // S9/S14: the library builds the token into every URL; none of it may reach the logs.
    expect(h.logLines.join('')).not.toContain(TEST_TOKEN);
  });

  /**
   * Lets real I/O finish between virtual-time steps. A send the fake holds open
   * counts as settled once it has reached the fake: only virtual time (the
   * notifier's request timeout) can end it.
   */
  const settle = () =>
    Promise.race([
      notifier.idle(),
      until(() => {
        const sends = h.fake.calls.filter((c) => c.method === 'sendMessage');
        return transport.inFlight && sends.length >= transport.started && sends.at(-1)?.outcome === 'hung';
      }),
    ]).then(() => undefined);
  const raise = (type: AlertType, message: string, dedupeKey = message) =>
    raiseAlert(h.log, h.source, { type: 'alert', alertType: type, message, dedupeKey, correlationId: `corr-${dedupeKey}` });

  async function alertEvents(): Promise<BeadOf<'ALERT'>['data'][]> {
    return (await h.beads('ALERT')).flatMap((b) => (b.bead_type === 'ALERT' ? [b.data] : []));
  }

  it('INV-TELEGRAM-LIVE-1: an alert reaches the Bot API', async () => {
    await raise('CONNECTION_LOST', 'IB Gateway connection lost on port 4002');
    await notifier.idle();
    expect(h.fake.messages).toHaveLength(1);
    const message = h.fake.messages[0]!;
    expect(message.chat_id).toBe(CHAT_ID);
    expect(message.text).toContain('CRITICAL');
    expect(message.text).toContain('IB Gateway connection lost on port 4002');
    expect(message.text).toContain('Runbook: RB-001_CONNECTION_LOSS');
    const sent = (await alertEvents()).find((a) => a.event === 'SENT');
    expect(sent?.delivered_as).toBe(`telegram:${message.message_id}`);
  });

  it('CV_S33_8: 50 alerts in one minute give a handful of messages that account for all 50; the CRITICAL goes at once', async () => {
    const warnings: AlertType[] = ['POSITION_STALLED', 'ORDER_REJECTED', 'PACING_WARNING', 'SUBSCRIPTION_DEAD', 'GATEWAY_RESTARTED'];
    let criticalAt = 0;
    for (let i = 0; i < 50; i++) {
      await runFor(h.time, settle, 1_200, 200);
      if (i === 25) {
        criticalAt = h.time.now();
        await raise('RECONCILIATION_DRIFT', 'drift on EURUSD: broker 20000, local 0');
      } else {
        await raise(warnings[i % warnings.length]!, `alert number ${i}`);
      }
      await settle();
    }
    await runFor(h.time, settle, 60_000, 500);

    const messages = h.fake.messages;
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.length).toBeLessThanOrEqual(10);
    // Every alert is in exactly one message: a line of its own, or counted in a "+N more" summary.
    const accounted = messages.reduce((sum, m) => {
      const lines = m.text.split('\n');
      const bullets = lines.filter((l) => l.startsWith('• ')).length;
      const more = lines.map((l) => /^\+(\d+) more:/.exec(l)?.[1]).find(Boolean);
      return sum + (bullets === 0 && !more ? 1 : bullets + Number(more ?? 0));
    }, 0);
    expect(accounted).toBe(50);
    const critical = messages.find((m) => m.text.includes('drift on EURUSD'))!;
    expect(critical.text).toMatch(/^🔴 CRITICAL/);
    expect(critical.at).toBe(criticalAt);
    const events = await alertEvents();
    const raised = events.filter((e) => e.event === 'RAISED').map((e) => e.alert_id);
    const sent = events.filter((e) => e.event === 'SENT').map((e) => e.alert_id);
    expect(new Set(sent)).toEqual(new Set(raised));
    expect(sent).toHaveLength(50);
    // The throttle, as the operator's phone sees it.
    const others = messages.filter((m) => m !== critical);
    for (let i = 1; i < others.length; i++) expect(others[i]!.at - others[i - 1]!.at).toBeGreaterThanOrEqual(3_000);
  });

  const blockages: [string, Failure | 'refused'][] = [
    ['connection refused', 'refused'],
    ['hanging requests', { kind: 'hang' }],
    ['429 with retry_after', { kind: '429', retryAfter: 20 }],
    ['5xx', { kind: '5xx', status: 502 }],
  ];

  for (const [name, blockage] of blockages) {
    it(`CV_S33_7: with the API blocked (${name}) alerts queue, nothing crashes, and each is delivered exactly once after`, async () => {
      if (blockage === 'refused') await h.fake.stopListening();
      else h.fake.failWith(blockage);
      await raise('HOST_DOWN', 'host phoenix-1 is down');
      await raise('POSITION_STALLED', 'position pos-1 stalled');
      await runFor(h.time, settle, 20_000, 1_000);
      await raise('KILL_FLAG_SET', 'kill flag set by drift');
      await raise('ORDER_REJECTED', 'order ord-9 rejected: bad symbol');
      await runFor(h.time, settle, 100_000, 1_000);
      expect(h.fake.messages).toHaveLength(0);

      if (blockage === 'refused') await h.fake.startListening();
      else h.fake.failWith(undefined);
      await runFor(h.time, settle, 120_000, 1_000);

      const all = h.fake.texts.join('\n');
      for (const text of ['host phoenix-1 is down', 'position pos-1 stalled', 'kill flag set by drift', 'order ord-9 rejected: bad symbol']) {
        expect(all.split(text).length - 1, text).toBe(1);
      }
      const events = await alertEvents();
      expect(events.filter((e) => e.event === 'SENT' && e.alert_type !== 'TELEGRAM_DOWN')).toHaveLength(4);
      // The outage itself is on record, and the phone hears about it once it is over.
      expect(events.filter((e) => e.alert_type === 'TELEGRAM_DOWN').map((e) => e.event)).toEqual(
        expect.arrayContaining(['RAISED', 'RESOLVED', 'SENT']),
      );
      expect(all).toContain('RESOLVED: Telegram unreachable');
      expect(events.some((e) => e.event === 'FAILED')).toBe(true);
      expect(events.filter((e) => e.error?.includes(TEST_TOKEN))).toEqual([]);
      if (blockage !== 'refused' && blockage.kind === '429') {
        // retry_after 20 s is honoured: no attempt sooner than that after a 429. There must be such retries to look at.
        const attempts = h.fake.calls.filter((c) => c.method === 'sendMessage');
        const waits = attempts.flatMap((c, i) => (c.outcome === 'failed' && attempts[i + 1] ? [attempts[i + 1]!.at - c.at] : []));
        expect(waits.length).toBeGreaterThan(0);
        expect(Math.min(...waits)).toBeGreaterThanOrEqual(20_000);
      }
    });
  }

  it('splits a message over 4096 characters into parts that each name the runbook', async () => {
    const long = Array.from({ length: 300 }, (_, i) => `drift item ${i}: EURUSD broker 20000 local 0`).join('\n');
    await raise('RECONCILIATION_DRIFT', long);
    await notifier.idle();
    const parts = h.fake.texts;
    expect(parts.length).toBeGreaterThanOrEqual(4);
    for (const [i, part] of parts.entries()) {
      expect(part.length).toBeLessThanOrEqual(4096);
      expect(part.startsWith(`[${i + 1}/${parts.length}] `)).toBe(true);
      expect(part).toContain('RB-002_RECONCILIATION_DRIFT');
    }
    for (const i of [0, 150, 299]) expect(parts.join('\n')).toContain(`drift item ${i}: EURUSD broker 20000 local 0`);
  });
});
