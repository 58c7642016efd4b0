import { join } from 'node:path';
import { Api } from 'node-telegram-bot-api';
import { silentLogger } from '../runtime/logger.ts';
import { AlertNotifier } from '../actors/notify/notifier.ts';
import { type AlertSource, raiseAlert } from '../actors/notify/outbox.ts';
import { createTelegramApi } from '../actors/telegram/telegramApi.ts';
import { TelegramChatClient, TelegramTransport } from '../actors/telegram/telegramChat.ts';
import { systemTimers } from '../runtime/timers.ts';
import { systemClock } from '../runtime/clock.ts';
import { uuidV7Ids } from '../store/ids.ts';
import { SqliteEventLog } from '../store/sqlite.ts';
import { FakeBotApi } from '../test/fakes/botApi.ts';
import { percentile } from './stats.ts';
import type { Measure } from './table.ts';

/**
 * B4 (S13), the alert half: from the moment a detector decides (a CRITICAL
 * alert raised, i.e. its RAISED bead appended durably to a SQLite log) to
 * the sendMessage request arriving at a loopback Bot API, through the notify
 * actor and the real node-telegram-bot-api client. The baseline in the same
 * run is the bare client sending the same text to the same fake: what is
 * left over is Phoenix's outbox (append, subscription, policy, delivery beads).
 */

const RUNS = 40;
const WARMUP = 3;
const TOKEN = '7012345678:AAH_fakeBenchTokenForPhoenixB4a_0123456';
const CHAT_ID = '-1001234567890';

/** Epoch ms with sub-millisecond resolution, one clock for this process and the fake it hosts. */
const epochNow = () => performance.timeOrigin + performance.now();

async function until<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`B4a: timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Raised CRITICAL alert → its request at the fake, per run; plus how much of it was the durable append. */
async function throughPhoenix(dir: string, fake: FakeBotApi): Promise<{ total: number[]; append: number[] }> {
  const log = new SqliteEventLog(join(dir, 'b4a.sqlite'));
  const source: AlertSource = { hostId: 'bench-b4a', mode: 'PAPER', clock: systemClock, ids: uuidV7Ids };
  const chat = new TelegramChatClient(createTelegramApi({ token: TOKEN, apiRoot: fake.apiRoot }), CHAT_ID, TOKEN);
  const notifier = new AlertNotifier({ log, transport: new TelegramTransport(chat), source, timers: systemTimers, logger: silentLogger });
  await notifier.start();
  const total: number[] = [];
  const append: number[] = [];
  try {
    for (let run = 0; run < WARMUP + RUNS; run++) {
      const seen = fake.messages.length;
      const detectedAt = epochNow();
      // A distinct key each run: the same key again would rightly be deduped, not sent.
      await raiseAlert(log, source, { type: 'alert', alertType: 'CONNECTION_LOST', message: `bench run ${run}: IB connection lost`, dedupeKey: `b4a-${run}`, correlationId: `b4a-${run}` });
      const appendedAt = epochNow();
      const message = await until(() => fake.messages[seen], `the CRITICAL alert of run ${run}`);
      if (run >= WARMUP) {
        total.push(message.at - detectedAt);
        append.push(appendedAt - detectedAt);
      }
      // Let the notifier write its SENT bead before the next alert, so runs do not overlap.
      await notifier.idle();
    }
  } finally {
    await notifier.stop();
    await log.close();
  }
  return { total, append };
}

async function bareClient(fake: FakeBotApi): Promise<number[]> {
  const api = new Api(TOKEN, { apiRoot: fake.apiRoot, maxRetries: 0 });
  const samples: number[] = [];
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const seen = fake.messages.length;
    const startedAt = epochNow();
    await api.sendMessage({ chat_id: CHAT_ID, text: `🚨 CRITICAL: bench run ${run}: IB connection lost` });
    const message = await until(() => fake.messages[seen], `the bare send of run ${run}`);
    if (run >= WARMUP) samples.push(message.at - startedAt);
  }
  return samples;
}

export async function benchAlertDelivery(dir: string): Promise<Measure[]> {
  const fake = await FakeBotApi.start({ token: TOKEN, now: epochNow });
  try {
    const bare = await bareClient(fake);
    const ours = await throughPhoenix(dir, fake);
    const p50 = percentile(ours.total, 50);
    const bareP50 = percentile(bare, 50);
    const ratio = { value: bareP50 / p50, baseline: `bare node-telegram-bot-api sendMessage to the same fake, p50 ${bareP50.toFixed(2)} ms, p99 ${percentile(bare, 99).toFixed(2)} ms` };
    return [
      { id: 'B4a', what: `CRITICAL alert raised (RAISED bead on SQLite) → sendMessage at a loopback Bot API, p50 of ${RUNS}`, value: p50, unit: 'ms', target: { atMost: 1000 }, ratio },
      { id: 'B4a', what: `the same, p99 of ${RUNS} (of which the durable append p50 ${percentile(ours.append, 50).toFixed(2)} ms)`, value: percentile(ours.total, 99), unit: 'ms', target: { atMost: 1000 } },
    ];
  } finally {
    await fake.close();
  }
}
