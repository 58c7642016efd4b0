import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TelegramSim } from '../../tools/bunny/standIns.ts';
import { BotApiSim } from '../../tools/telegram-sim/botApi.ts';
import { MAX_CALLBACK_DATA_BYTES } from '../../tools/telegram-sim/botApiLimits.ts';
import { runPhoenix } from '../support/phoenixProcess.ts';

/**
 * `phoenix telegram-sim` (S7.2, S10): the Bot API stand-in refuses what
 * api.telegram.org refuses, and its control channel switches the faults on
 * and off in its own process.
 */

const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef';

describe('the Bot API limits', () => {
  let api: BotApiSim;
  beforeAll(async () => {
    api = await BotApiSim.start({ token: TOKEN });
  });
  afterAll(() => api.close());
  const call = async (method: string, body: object) => {
    const res = await fetch(`${api.apiRoot}/bot${TOKEN}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as { ok: boolean; description?: string };
  };
  const button = (data: string) => ({ chat_id: 1, text: 'approve?', reply_markup: { inline_keyboard: [[{ text: 'APPROVE', callback_data: data }]] } });

  it('a text over 4096 characters, a reply_markup that is no keyboard, and an answer over 200 characters are refused with Telegram’s words', async () => {
    expect(await call('sendMessage', { chat_id: 1, text: 'x'.repeat(4097) })).toMatchObject({ ok: false, description: 'Bad Request: message is too long' });
    expect((await call('sendMessage', { chat_id: 1, text: 'x'.repeat(4096) })).ok).toBe(true);
    expect(await call('sendMessage', { chat_id: 1, text: 'hi', reply_markup: '{"inline_keyboard": "no"}' })).toMatchObject({ ok: false, description: expect.stringMatching(/can't parse reply keyboard markup/) });
    expect(await call('sendMessage', { chat_id: 1, text: 'hi', reply_markup: { inline_keyboard: [[{ text: 'A' }]] } })).toMatchObject({ ok: false });
    expect(await call('answerCallbackQuery', { callback_query_id: 'cb-1', text: 'y'.repeat(201) })).toMatchObject({ ok: false, description: 'Bad Request: MESSAGE_TOO_LONG' });
    expect((await call('answerCallbackQuery', { callback_query_id: 'cb-1', text: 'y'.repeat(200) })).ok).toBe(true);
    const refused = api.calls.filter((c) => c.outcome === 'error').map((c) => c.refused);
    expect(refused).toHaveLength(4);
  });

  it('callback_data is taken exactly when it is 1 to 64 bytes of UTF-8 (property)', async () => {
    const seed = Date.now() % 2 ** 31;
    console.log(`fast-check seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 0, maxLength: 70 }), async (data) => {
        const bytes = Buffer.byteLength(data, 'utf8');
        const reply = await call('sendMessage', button(data));
        expect(reply.ok).toBe(bytes >= 1 && bytes <= MAX_CALLBACK_DATA_BYTES);
        if (!reply.ok) expect(reply.description).toBe('Bad Request: BUTTON_DATA_INVALID');
      }),
      { seed, numRuns: 60 },
    );
  });
});

describe('phoenix telegram-sim as a process', () => {
  let sim: TelegramSim | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('bad arguments are one clear line and exit 2, no stack', async () => {
    const run = await runPhoenix(['telegram-sim', '--port', 'eighty'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^telegram-sim: --port must be a port number/);
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('its control channel turns 429, 5xx, a hang and a refused port on and off; /state shows what the API received', async () => {
    sim = await TelegramSim.start(TOKEN);
    const send = (text: string, signal?: AbortSignal) =>
      fetch(`${sim!.apiRoot}/bot${TOKEN}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: 7, text }), ...(signal ? { signal } : {}) });
    await sim.fail({ kind: '429', retryAfter: 9, times: 1 });
    const limited = await send('one');
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ parameters: { retry_after: 9 } });
    expect((await send('two')).status).toBe(200);
    await sim.fail({ kind: '5xx', status: 503 });
    expect((await send('three')).status).toBe(503);
    await sim.fail({ kind: 'hang' });
    const hung = await send('four', AbortSignal.timeout(300)).catch((err: Error) => err.name);
    expect(hung).toBe('TimeoutError');
    await sim.fail({ kind: 'refused' });
    expect(await send('five').catch((err: Error & { cause?: { code?: string } }) => err.cause?.code)).toBe('ECONNREFUSED');
    await sim.clear();
    expect((await send('six')).status).toBe(200);
    const state = await sim.state();
    expect(state.messages.map((m) => m.text)).toEqual(['two', 'six']);
    expect(state.calls.map((c) => c.outcome)).toEqual(['failed', 'ok', 'failed', 'hung', 'ok']);
    await expect(sim.fail({ kind: '429', status: 502 } as never)).rejects.toThrow(/refused fail \(400\): status goes with kind 5xx/);
  }, 30_000);
});
