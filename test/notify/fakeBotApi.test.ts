import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeBotApi } from '../fakes/botApi.ts';
import { settlesWithin } from '../support/settlesWithin.ts';
import { TEST_TOKEN } from './telegramHarness.ts';

/** The fake Bot API speaks the wire formats and getUpdates rules real clients rely on. */
describe('fake Bot API', () => {
  let fake: FakeBotApi;
  const call = async (method: string, init: RequestInit = {}, token = TEST_TOKEN) => {
    const res = await fetch(`${fake.apiRoot}/bot${token}/${method}`, { method: 'POST', ...init });
    return { status: res.status, body: (await res.json()) as { ok: boolean; result?: unknown; error_code?: number; description?: string } };
  };
  const json = (body: unknown): RequestInit => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeEach(async () => {
    fake = await FakeBotApi.start({ token: TEST_TOKEN });
  });
  afterEach(() => fake.close());

  it('accepts JSON, urlencoded and multipart bodies, reply_markup included', async () => {
    await call('sendMessage', json({ chat_id: 1, text: 'json', reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] } }));
    await call('sendMessage', { body: new URLSearchParams({ chat_id: '1', text: 'form', reply_markup: '{"inline_keyboard":[]}' }) });
    const form = new FormData();
    form.set('chat_id', '1');
    form.set('text', 'multipart');
    await call('sendMessage', { body: form });
    expect(fake.texts).toEqual(['json', 'form', 'multipart']);
    expect(fake.messages[0]!.reply_markup).toEqual({ inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] });
    expect(fake.messages[1]!.reply_markup).toEqual({ inline_keyboard: [] });
  });

  it('refuses a wrong token, an unknown method and a text over 4096 characters', async () => {
    expect((await call('getMe', {}, '1:wrong')).status).toBe(401);
    expect((await call('frobnicate')).body.error_code).toBe(404);
    const long = await call('sendMessage', json({ chat_id: 1, text: 'x'.repeat(4097) }));
    expect(long.body).toMatchObject({ ok: false, error_code: 400, description: 'Bad Request: message is too long' });
  });

  it('serves getUpdates with offsets: confirm by offset, negative offset keeps the newest, long poll wakes on an update', async () => {
    const first = fake.injectMessage({ chatId: 1, userId: 2, text: 'a' });
    fake.injectMessage({ chatId: 1, userId: 2, text: 'b' });
    const last = fake.injectMessage({ chatId: 1, userId: 2, text: 'c' });
    const all = (await call('getUpdates', json({ offset: 0 }))).body.result as { update_id: number }[];
    expect(all.map((u) => u.update_id)).toEqual([first, first + 1, last]);
    expect(((await call('getUpdates', json({ offset: first + 1 }))).body.result as unknown[]).length).toBe(2);
    expect(((await call('getUpdates', json({ offset: -1 }))).body.result as { update_id: number }[]).map((u) => u.update_id)).toEqual([last]);
    expect(fake.pendingUpdates).toBe(1);
    // A long poll with a minute to run: only an update can end it inside settlesWithin's 10 s.
    const poll = call('getUpdates', json({ offset: last + 1, timeout: 60 }));
    await fake.waitFor(() => fake.calls.filter((c) => c.method === 'getUpdates').length === 4, 5_000, 'the long poll at the fake');
    expect(fake.pendingUpdates).toBe(0);
    fake.injectMessage({ chatId: 1, userId: 2, text: 'd' });
    const woken = (await settlesWithin(poll, 10_000, 'the long poll after an update')).body.result as { message: { text: string } }[];
    expect(woken.map((u) => u.message.text)).toEqual(['d']);
  });

  it('ends an older long poll with 409 when another starts, and drops pending updates on deleteWebhook', async () => {
    const older = call('getUpdates', json({ timeout: 5 }));
    await fake.waitFor(() => fake.calls.length === 1);
    const newer = call('getUpdates', json({ timeout: 0 }));
    expect((await older).body.error_code).toBe(409);
    expect((await newer).body.ok).toBe(true);
    fake.injectMessage({ chatId: 1, userId: 2, text: 'stale' });
    await call('deleteWebhook', json({ drop_pending_updates: true }));
    expect(fake.pendingUpdates).toBe(0);
  });

  it('injects 429 with retry_after, 5xx, and refuses connections until it listens again on the same port', async () => {
    fake.failWith({ kind: '429', retryAfter: 7 }, { times: 1 });
    expect((await call('sendMessage', json({ chat_id: 1, text: 'x' }))).body).toMatchObject({ error_code: 429, parameters: { retry_after: 7 } });
    fake.failWith({ kind: '5xx', status: 503 }, { methods: ['sendMessage'], times: 1 });
    expect((await fetch(`${fake.apiRoot}/bot${TEST_TOKEN}/sendMessage`, { method: 'POST' })).status).toBe(503);
    const root = fake.apiRoot;
    await fake.stopListening();
    await expect(fetch(`${root}/bot${TEST_TOKEN}/getMe`)).rejects.toThrow();
    await fake.startListening();
    expect(fake.apiRoot).toBe(root);
    expect((await call('getMe')).body.ok).toBe(true);
  });
});
