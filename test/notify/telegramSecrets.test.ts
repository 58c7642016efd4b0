import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../runtime/logger.ts';
import { AlertNotifier } from '../../actors/notify/notifier.ts';
import { buildAlertBead, raiseAlert, recordDelivered } from '../../actors/notify/outbox.ts';
import { createTelegramApi, describeTelegramFailure, redactToken } from '../../actors/telegram/telegramApi.ts';
import { TelegramChatClient } from '../../actors/telegram/telegramChat.ts';
import { alertTransportFor } from '../../actors/telegram/telegramBot.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { MemoryTransport } from './memoryTransport.ts';
import { TEST_TOKEN } from './telegramHarness.ts';
import { runFor, VirtualTime } from './virtualTime.ts';

describe('Telegram secrets and fallbacks', () => {
  it('scrubs the bot token from errors even when the client puts its URL in them', async () => {
    // An unparseable API root makes fetch fail with the whole URL, token included, in its message.
    const chat = new TelegramChatClient(createTelegramApi({ token: TEST_TOKEN, apiRoot: 'http://bad host' }), '-1', TEST_TOKEN);
    const error = await chat.sendMessage('x').catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('<token>');
    expect(message).not.toContain(TEST_TOKEN);
    expect(redactToken(`GET /bot${TEST_TOKEN}/getMe`)).toBe('GET /bot<token>/getMe');
    expect(describeTelegramFailure(new Error(`boom ${TEST_TOKEN}`)).message).toBe('boom <token>');
  });

  it('without a bot token, warns at start and delivers alerts to the log', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(chunk, _e, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    const transport = alertTransportFor(undefined, logger);
    expect(transport.name).toBe('log');
    expect(lines.join('')).toContain('alerts go to the log and the dashboard only');
    const time = new VirtualTime();
    const log = new MemoryEventLog();
    const source = { hostId: 'h', mode: 'MOCK' as const, clock: time };
    const notifier = new AlertNotifier({ log, transport, source, timers: time, logger });
    await notifier.start();
    await raiseAlert(log, source, { type: 'alert', alertType: 'KILL_FLAG_SET', message: 'kill flag set by drill', dedupeKey: 'k', correlationId: 'c' });
    await notifier.idle();
    await notifier.stop();
    expect(lines.some((l) => l.includes('kill flag set by drill') && l.includes('"level":40'))).toBe(true);
  });

  it('does not resend an alert that another process recorded as already delivered', async () => {
    const time = new VirtualTime();
    const log = new MemoryEventLog();
    const source = { hostId: 'h', mode: 'PAPER' as const, clock: time };
    const transport = new MemoryTransport(() => time.now());
    const notifier = new AlertNotifier({ log, transport, source, timers: time, logger: createLogger({ level: 'silent' }) });
    await notifier.start();
    const raised = buildAlertBead(source, { type: 'alert', alertType: 'TEST_ALERT', message: 'test', dedupeKey: 't', correlationId: 'c' });
    await recordDelivered(log, source, raised, { deliveredAs: 'telegram:9', message: 'sent by phoenix telegram test' });
    await runFor(time, () => notifier.idle(), 30_000, 1_000);
    await notifier.stop();
    expect(transport.delivered).toHaveLength(0);
  });
});
