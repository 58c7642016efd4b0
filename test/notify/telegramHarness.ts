import { Writable } from 'node:stream';
import type { Bead } from '../../beads/index.ts';
import { createLogger, type Logger } from '../../runtime/logger.ts';
import type { AlertSource } from '../../actors/notify/outbox.ts';
import type { TelegramSettings } from '../../actors/telegram/telegramApi.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { FakeBotApi } from '../fakes/botApi.ts';
import { VirtualTime } from './virtualTime.ts';

/** Shaped like a real token so any leak is caught by the same pattern a real one would be. */
export const TEST_TOKEN = '7012345678:AAH_fakeTokenForPhoenixTests_0123456789';
export const CHAT_ID = '-1001234567890';
export const OPERATOR_ID = 424242;
export const STRANGER_ID = 666;

export interface Harness {
  time: VirtualTime;
  fake: FakeBotApi;
  log: MemoryEventLog;
  source: AlertSource;
  settings: TelegramSettings;
  logger: Logger;
  /** Every line pino wrote, to check that no secret ever reaches it. */
  logLines: string[];
  beads(type?: Bead['bead_type']): Promise<Bead[]>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const time = new VirtualTime();
  const fake = await FakeBotApi.start({ token: TEST_TOKEN, now: () => time.now() });
  const log = new MemoryEventLog();
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  return {
    time,
    fake,
    log,
    source: { hostId: 'host-a', mode: 'PAPER', clock: time },
    settings: { token: TEST_TOKEN, chatId: CHAT_ID, allowedUserIds: [String(OPERATOR_ID)], apiRoot: fake.apiRoot },
    logger: createLogger({ level: 'debug', destination }),
    logLines,
    async beads(type) {
      const out: Bead[] = [];
      for await (const e of log.readAll()) if (e.kind === 'bead' && (!type || e.bead.bead_type === type)) out.push(e.bead);
      return out;
    },
    async close() {
      await fake.close();
    },
  };
}

/** Resolves true once the predicate holds, false after `ms` of real time: never rejects, never dangles. */
export async function until(predicate: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}
