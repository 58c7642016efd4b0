/**
 * The operator's phone for process tests: `phoenix telegram-sim` as its own
 * process (the Bot API with its limits and fault switches), and a few words
 * for what a person does with it: type a command, press a button, wait for
 * the bot's answer.
 */
import { TelegramSim } from '../../tools/bunny/standIns.ts';
import type { TelegramSimSnapshot } from '../../tools/telegram-sim/control.ts';
import { CHAT_ID, OPERATOR_ID, TEST_TOKEN } from '../notify/telegramHarness.ts';

export { CHAT_ID, OPERATOR_ID, TEST_TOKEN };

export type SimMessage = TelegramSimSnapshot['messages'][number];

/** The environment that points `phoenix run` (or any command) at the stand-in. */
export function telegramEnv(tg: TelegramSim): Record<string, string> {
  return { TELEGRAM_BOT_TOKEN: TEST_TOKEN, TELEGRAM_CHAT_ID: CHAT_ID, TELEGRAM_ALLOWED_USER_IDS: String(OPERATOR_ID), TELEGRAM_API_ROOT: tg.apiRoot };
}

export async function startTelegramSim(): Promise<TelegramSim> {
  return TelegramSim.start(TEST_TOKEN);
}

async function control(tg: TelegramSim, path: string, body: object): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${tg.controlPort}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`telegram-sim refused ${path}: ${await response.text()}`);
}

/** The operator types `text` in the configured chat. */
export function say(tg: TelegramSim, text: string, userId = OPERATOR_ID): Promise<void> {
  return control(tg, 'inject-message', { chatId: Number(CHAT_ID), userId, text });
}

export function press(tg: TelegramSim, messageId: number, data: string): Promise<void> {
  return control(tg, 'inject-callback', { chatId: Number(CHAT_ID), userId: OPERATOR_ID, data, messageId });
}

/** Polls the stand-in's /state until `pick` finds something, or fails naming `what` after the deadline. */
export async function waitForState<T>(tg: TelegramSim, pick: (s: TelegramSimSnapshot) => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pick(await tg.state());
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The first message the bot sent that matches. */
export function messageMatching(tg: TelegramSim, pattern: RegExp, what: string, timeoutMs?: number): Promise<SimMessage> {
  return waitForState(tg, (s) => s.messages.find((m) => pattern.test(m.text)), what, timeoutMs);
}

/** Once the bot polls live: before that, a message is dropped as stale (as a real bot's start drops it). */
export function livePolling(tg: TelegramSim, timeoutMs = 30_000): Promise<true> {
  return waitForState(tg, (s) => (s.calls.some((c) => c.method === 'getUpdates' && c.outcome === 'ok' && String(c.params.offset) !== '-1') ? true : undefined), 'the bot to poll live', timeoutMs);
}
