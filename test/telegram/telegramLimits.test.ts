/**
 * Whatever a handler hands the bot, the Bot API takes it: a reply of 10 000
 * characters arrives as labelled parts, a button's refusal of 1 000
 * characters as a 200-character alert, an outcome edited in cut to one
 * message. The real client against the stand-in, which refuses what
 * api.telegram.org refuses.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramBot } from '../../actors/telegram/telegramBot.ts';
import { systemTimers } from '../../runtime/timers.ts';
import { CHAT_ID, type Harness, OPERATOR_ID, startHarness } from '../notify/telegramHarness.ts';

describe('every text within the Bot API limits', () => {
  let h: Harness;
  let bot: TelegramBot;

  beforeEach(async () => {
    h = await startHarness();
    bot = new TelegramBot({ settings: h.settings, log: h.log, source: h.source, timers: systemTimers, logger: h.logger, pollTimeoutS: 1 });
  });
  afterEach(async () => {
    await bot.stop();
    await h.close();
  });

  it('a 10 000-character reply arrives whole, in labelled parts; a long refusal and a long outcome are cut to fit', async () => {
    const report = Array.from({ length: 400 }, (_, i) => `line ${i}: EURUSD ✅ ${'·'.repeat(10)}`).join('\n');
    expect(report.length).toBeGreaterThan(10_000);
    bot.router.command('report', (ctx) => ctx.reply(report).then(() => undefined));
    bot.router.callback('NOPE', () => ({ refuse: `Refused: ${'because '.repeat(125)}` }));
    bot.router.callback('DONE', () => ({ answer: `Done: ${'ok '.repeat(100)}`, edit: { text: `Outcome ${'🙂'.repeat(3_000)}` } }));
    await bot.start();

    h.fake.injectMessage({ chatId: CHAT_ID, userId: OPERATOR_ID, text: '/report' });
    await h.fake.waitFor(() => h.fake.texts.some((t) => t.includes('line 399')), 10_000, 'the last part of the report');
    const parts = h.fake.texts;
    expect(parts.length).toBe(3);
    expect(parts.map((p) => p.slice(0, 6))).toEqual(['(1/3) ', '(2/3) ', '(3/3) ']);
    expect(parts.map((p) => p.replace(/^\(\d\/3\) /, '')).join('\n')).toBe(report);

    const { messageId } = await bot.chat.sendMessage('Buttons', { buttons: [[{ text: 'no', data: 'NOPE:1' }, { text: 'yes', data: 'DONE:1' }]] });
    h.fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data: 'NOPE:1', messageId });
    h.fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data: 'DONE:1', messageId });
    await h.fake.waitFor(() => h.fake.answers.length === 2 && h.fake.edits.length === 1, 10_000, 'two answers and the edit');
    for (const a of h.fake.answers) expect(a.text!.length).toBeLessThanOrEqual(200);
    expect(h.fake.answers.find((a) => a.show_alert)!.text).toMatch(/^Refused: because because .*…$/);
    expect(h.fake.edits[0]!.text.length).toBeLessThanOrEqual(4096);
    expect(h.fake.edits[0]!.text).toMatch(/^Outcome 🙂🙂[\s\S]*… \(cut to fit one Telegram message\)$/);
    expect(h.fake.calls.filter((c) => c.outcome !== 'ok')).toEqual([]);
  });
});
