import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramBot } from '../../actors/telegram/telegramBot.ts';
import { scaledTime, systemTimers } from '../../runtime/timers.ts';
import { CHAT_ID, type Harness, OPERATOR_ID, STRANGER_ID, startHarness, TEST_TOKEN } from './telegramHarness.ts';

/**
 * Inbound Telegram through the real node-telegram-bot-api client against the
 * fake Bot API: authorisation, dropped backlog, commands, confirm buttons and
 * stale callbacks. The router's clock is virtual (confirmation expiry); polling
 * runs on real timers with a 1 s long poll.
 */
describe('Telegram inbound', () => {
  let h: Harness;
  let bot: TelegramBot;
  const handled: string[] = [];

  beforeEach(async () => {
    h = await startHarness();
    handled.length = 0;
    bot = new TelegramBot({ settings: h.settings, log: h.log, source: h.source, timers: systemTimers, logger: h.logger, pollTimeoutS: 1 });
    bot.router.command('status', async (ctx) => {
      handled.push(`status ${ctx.who.userId}`);
      await ctx.reply('all good');
    });
  });

  afterEach(async () => {
    await bot.stop();
    await h.close();
  });

  const say = (text: string, userId = OPERATOR_ID, chatId: string | number = CHAT_ID) => h.fake.injectMessage({ chatId, userId, text });
  const repliesSoFar = () => h.fake.texts.length;

  it('drops updates that were pending at start, so a stale command never fires', async () => {
    say('/status');
    say('/halt');
    await bot.start();
    say('/status');
    await h.fake.waitFor(() => h.fake.texts.includes('all good'), 5_000, 'the /status reply');
    expect(handled).toEqual([`status ${OPERATOR_ID}`]);
    expect(h.fake.texts).toEqual(['all good']);
  });

  it('ignores an unknown chat or user except for a SECURITY bead', async () => {
    await bot.start();
    say('/status', OPERATOR_ID, '-100999');
    say('/status', STRANGER_ID);
    h.fake.injectCallback({ chatId: CHAT_ID, userId: STRANGER_ID, data: 'APPROVE:intent-1', messageId: 1 });
    // An authorised command after them proves they were all processed.
    say('/status');
    await h.fake.waitFor(() => h.fake.texts.length === 1, 5_000, 'the /status reply');
    expect(handled).toEqual([`status ${OPERATOR_ID}`]);
    expect(h.fake.answers).toEqual([]);
    expect(h.fake.edits).toEqual([]);
    const security = await h.beads('SECURITY');
    expect(security.map((b) => b.bead_type === 'SECURITY' && [b.data.channel, b.data.who, b.data.why])).toEqual([
      ['TELEGRAM', `telegram:${OPERATOR_ID}`, 'not the configured chat'],
      ['TELEGRAM', `telegram:${STRANGER_ID}`, 'user not in TELEGRAM_ALLOWED_USER_IDS'],
      ['TELEGRAM', `telegram:${STRANGER_ID}`, 'user not in TELEGRAM_ALLOWED_USER_IDS'],
    ]);
  });

  it('runs /halt only after its confirm button, once; a second tap is refused as stale', async () => {
    const halts: string[] = [];
    bot.router.confirmedCommand('halt', {
      ask: () => 'Halt trading now? Orders will be cancelled.',
      run: ({ confirmedBy }) => {
        halts.push(confirmedBy.userId);
        return 'HALT started.';
      },
    });
    await bot.start();
    say('/halt');
    await h.fake.waitFor(() => repliesSoFar() === 1, 5_000, 'the confirm question');
    const question = h.fake.messages[0]!;
    expect(question.text).toContain('Halt trading now?');
    const buttons = (question.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard[0]!;
    expect(buttons.map((b) => b.text)).toEqual(['Confirm', 'Cancel']);
    expect(halts).toEqual([]);

    const confirm = buttons[0]!.callback_data;
    h.fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data: confirm, messageId: question.message_id });
    await h.fake.waitFor(() => h.fake.edits.length === 1, 5_000, 'the outcome edit');
    expect(halts).toEqual([String(OPERATOR_ID)]);
    expect(h.fake.edits[0]!.text).toBe('HALT started.');
    expect(h.fake.answers[0]).toMatchObject({ text: 'Done', show_alert: false });

    h.fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data: confirm, messageId: question.message_id });
    await h.fake.waitFor(() => h.fake.answers.length === 2, 5_000, 'the refusal');
    expect(h.fake.answers[1]!.show_alert).toBe(true);
    expect(h.fake.answers[1]!.text).toMatch(/no longer open/);
    expect(halts).toHaveLength(1);
  });

  it('asks /resume for a reason, and refuses a confirmation that has expired', async () => {
    const resumed: string[] = [];
    bot.router.confirmedCommand('resume', {
      ask: (ctx) => (ctx.args ? `Resume trading? Reason: ${ctx.args}` : { usage: 'Usage: /resume <reason>' }),
      run: ({ args }) => {
        resumed.push(args);
        return `Resumed: ${args}`;
      },
      ttlMs: 60_000,
    });
    await bot.start();
    say('/resume');
    await h.fake.waitFor(() => repliesSoFar() === 1, 5_000, 'the usage line');
    expect(h.fake.texts[0]).toBe('Usage: /resume <reason>');

    say('/resume gateway restarted, positions reconciled');
    await h.fake.waitFor(() => repliesSoFar() === 2, 5_000, 'the question');
    const question = h.fake.messages[1]!;
    expect(question.text).toContain('Reason: gateway restarted, positions reconciled');
    const data = (question.reply_markup as { inline_keyboard: { callback_data: string }[][] }).inline_keyboard[0]![0]!.callback_data;
    h.time.advance(61_000);
    h.fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data, messageId: question.message_id });
    await h.fake.waitFor(() => h.fake.answers.length === 1, 5_000, 'the refusal');
    expect(h.fake.answers[0]!.text).toMatch(/expired/);
    expect(resumed).toEqual([]);
  });

  it('dispatches APPROVE / REJECT buttons to their handler and refuses a decided one', async () => {
    const decided = new Map<string, string>();
    const decide = (verdict: string) => (ctx: { payload: string; who: { label: string } }) => {
      if (decided.has(ctx.payload)) return { refuse: `Already ${decided.get(ctx.payload)}.` };
      decided.set(ctx.payload, verdict);
      return { answer: verdict, edit: { text: `${verdict} by ${ctx.who.label}` } };
    };
    bot.router.callback('APPROVE', decide('APPROVED')).callback('REJECT', decide('REJECTED'));
    await bot.start();
    const { messageId } = await bot.chat.sendMessage('Approve EURUSD long 20k?', {
      buttons: [[{ text: 'APPROVE', data: 'APPROVE:intent-7' }, { text: 'REJECT', data: 'REJECT:intent-7' }]],
    });
    h.fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data: 'APPROVE:intent-7', messageId });
    h.fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data: 'REJECT:intent-7', messageId });
    h.fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data: 'UNKNOWN:x', messageId });
    // Presses are decided in the order they came, and answered side by side (a stuck answer holds up no other).
    await h.fake.waitFor(() => h.fake.answers.length === 3 && h.fake.edits.length === 1, 5_000, 'three answers and the edit');
    expect(h.fake.answers.map((a) => [a.text, a.show_alert]).sort()).toEqual([
      ['APPROVED', false],
      ['Already APPROVED.', true],
      ['This button is no longer valid.', true],
    ]);
    expect(h.fake.edits.map((e) => e.text)).toEqual([`APPROVED by telegram:${OPERATOR_ID}`]);
    expect(h.fake.edits[0]!.reply_markup).toEqual({ inline_keyboard: [] });
  });

  it('logs and skips a malformed update, and keeps polling', async () => {
    await bot.start();
    h.fake.injectRaw({ message: { message_id: 'x', chat: 'not a chat', text: 42 } });
    h.fake.injectRaw({ update_id: 'garbage', callback_query: null });
    say('/status');
    await h.fake.waitFor(() => h.fake.texts.length === 1, 5_000, 'the /status reply');
    expect(h.logLines.some((l) => l.includes('ignored a malformed Telegram update'))).toBe(true);
    expect(h.logLines.join('')).not.toContain(TEST_TOKEN);
  });

  it('keeps polling through an outage of the Bot API, backing off, and obeys commands once it is back', async () => {
    await bot.stop();
    // Backoff on real timers, a hundred times faster: 1 s, 2 s, 4 s… become 10, 20, 40 ms.
    bot = new TelegramBot({ settings: h.settings, log: h.log, source: h.source, timers: scaledTime(0.01).timers, logger: h.logger, pollTimeoutS: 1 });
    bot.router.command('status', (ctx) => ctx.reply('still here').then(() => undefined));
    await bot.start();
    await h.fake.stopListening();
    await new Promise((r) => setTimeout(r, 300));
    await h.fake.startListening();
    say('/status');
    await h.fake.waitFor(() => h.fake.texts.includes('still here'), 5_000, 'the reply after the outage');
    expect(h.logLines.some((l) => l.includes('Telegram getUpdates failed; backing off'))).toBe(true);
    expect(h.logLines.join('')).not.toContain(TEST_TOKEN);
  });

  it('answers an unknown command with the command list', async () => {
    await bot.start();
    say('/frobnicate');
    await h.fake.waitFor(() => h.fake.texts.length === 1, 5_000, 'the reply');
    expect(h.fake.texts[0]).toContain('Unknown command /frobnicate.');
    expect(h.fake.texts[0]).toContain('/status');
  });
});
