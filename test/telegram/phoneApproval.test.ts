/**
 * Approval from the phone (S7.2; issue 5, Done-when 3): on a running host
 * (mock broker, SQLite log) through the real node-telegram-bot-api client
 * against the fake Bot API. An intent reaching AWAITING_DECISION is announced
 * with its evidence and APPROVE / REJECT buttons; the operator's press writes
 * the same DECISION bead as `phoenix approve` (bar channel and person) and
 * the same bracket goes to the broker. Stale presses and strangers change nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { type Bead, type BeadOf, type Intent, streams } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { FakeBotApi, type SentMessage } from '../fakes/botApi.ts';
import { CHAT_ID, OPERATOR_ID, STRANGER_ID, TEST_TOKEN } from '../notify/telegramHarness.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';

const SECRET = 'phone-approval-secret-0123456789abcdef';

let home: ReturnType<typeof makeTempDir>;
let fake: FakeBotApi;
let log: SqliteEventLog;
let host: RunningHost;
let env: Record<string, string>;

beforeEach(async () => {
  home = makeTempDir('phoenix-phone-approval');
  fake = await FakeBotApi.start({ token: TEST_TOKEN });
  env = {
    PHOENIX_HOME: home.dir,
    PHOENIX_ENV_FILE: '/nonexistent/.env',
    DASHBOARD_PORT: '0',
    LOG_LEVEL: 'silent',
    APPROVAL_TOKEN_SECRET: SECRET,
    RECONCILE_INTERVAL_S: '3600',
    TELEGRAM_BOT_TOKEN: TEST_TOKEN,
    TELEGRAM_CHAT_ID: CHAT_ID,
    TELEGRAM_ALLOWED_USER_IDS: String(OPERATOR_ID),
    TELEGRAM_API_ROOT: fake.apiRoot,
  };
  log = new SqliteEventLog(defaultLogPath(home.dir));
  host = await startHost({ config: loadConfig(env), log, clock: systemClock, logger: silentLogger });
  await expect.poll(() => host.broker.connection.connected, { timeout: 5_000 }).toBe(true);
  // The host starts its bot without waiting; a press sent before polling begins is dropped as stale.
  await fake.waitForLivePolling();
});
afterEach(async () => {
  await host.stop('test over');
  await log.close();
  await fake.close();
  home.remove();
});

async function beads(): Promise<Bead[]> {
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  return out;
}

const approvalBeads = async (intentId: string, event: string) =>
  (await beads()).filter((b): b is BeadOf<'APPROVAL'> => b.bead_type === 'APPROVAL' && b.data.intent_id === intentId && b.data.event === event);

const entryOrders = async (intentId: string) =>
  (await beads()).filter((b): b is BeadOf<'ORDER'> => b.bead_type === 'ORDER' && b.correlation_id === intentId && b.data.event === 'SUBMIT_REQUESTED');

function intentOf(id: string): Intent {
  return { intent_id: id, signal: 'READY', pair: 'EURUSD', confidence: 0.85, entry: 1.085, stop: 1.082, target: 1.091, setup_type: 'FVG_ENTRY', created_at: new Date().toISOString() };
}

/** An accepted READY intent handed to the trade flow, as the file seam does. */
async function ready(id: string): Promise<void> {
  const intent = intentOf(id);
  const { beads: written } = await host.writer.write({
    bead_type: 'INTENT',
    stream: streams.intent(id),
    correlation_id: id,
    data: { outcome: 'ACCEPTED', intent, source_file: `${id}.yaml`, content_hash: `sha256-${id}` },
  });
  await host.flow.onReadyIntent(intent, written[0] as BeadOf<'INTENT'>);
}

async function requestFor(id: string): Promise<SentMessage> {
  const find = () => fake.messages.find((m) => m.text.startsWith(`Approval needed: ${id} `));
  await fake.waitFor(() => find() !== undefined, 10_000, `the approval request for ${id}`);
  return find()!;
}

const buttonData = (m: SentMessage) => (m.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard[0]!.map((b) => b.callback_data);

function press(m: SentMessage, data: string, userId = OPERATOR_ID): Promise<{ text?: string; show_alert: boolean }> {
  const id = fake.injectCallback({ chatId: CHAT_ID, userId, data, messageId: m.message_id });
  return fake.waitFor(() => fake.answers.some((a) => a.callback_query_id === id), 10_000, `the answer to ${data}`).then(() => fake.answers.find((a) => a.callback_query_id === id)!);
}

/** What the broker is asked to do; ids, refs, OCA groups and token ids differ by nature between two intents. */
function orderShape(b: BeadOf<'ORDER'>): Record<string, unknown> {
  const d = b.data as Record<string, unknown>;
  const keep = ['event', 'role', 'action', 'order_type', 'pair', 'quantity', 'limit_price', 'stop_price'];
  const shape = Object.fromEntries(keep.filter((k) => d[k] !== undefined).map((k) => [k, d[k]]));
  return { ...shape, reason: String(d.reason ?? '').replace(/token \S+/, 'token <id>'), linked: d.parent_id !== undefined };
}

describe('approval from the phone', () => {
  it('a phone APPROVE writes the same DECISION bead and sends the same bracket as phoenix approve; a stranger and a stale press change nothing', async () => {
    // The terminal path first: announced on Telegram too, decided with `phoenix approve`.
    await ready('tg-term-1');
    const termRequest = await requestFor('tg-term-1');
    const cli = await runCli(['approve', 'tg-term-1', '--yes', '--as', 'alice'], env);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    await expect.poll(async () => (await entryOrders('tg-term-1')).length, { timeout: 10_000 }).toBeGreaterThan(0);

    // The phone path.
    await ready('tg-phone-1');
    const request = await requestFor('tg-phone-1');
    expect(request.text).toMatch(/Risk:\n[\s\S]*money at risk/);
    expect(request.text.length).toBeLessThanOrEqual(4096);
    expect(buttonData(request)).toEqual(['APPROVE:tg-phone-1', 'REJECT:tg-phone-1']);

    // A stranger's press: a SECURITY bead, no answer, no decision.
    fake.injectCallback({ chatId: CHAT_ID, userId: STRANGER_ID, data: 'APPROVE:tg-phone-1', messageId: request.message_id });
    await expect.poll(async () => (await beads()).some((b) => b.bead_type === 'SECURITY'), { timeout: 10_000 }).toBe(true);
    expect((await beads()).find((b) => b.bead_type === 'SECURITY')?.data).toMatchObject({ who: `telegram:${STRANGER_ID}`, channel: 'TELEGRAM' });
    expect(await approvalBeads('tg-phone-1', 'DECISION')).toEqual([]);
    expect(fake.answers).toEqual([]);

    const answer = await press(request, 'APPROVE:tg-phone-1');
    expect(answer).toMatchObject({ text: 'APPROVED: tg-phone-1', show_alert: false });
    await fake.waitFor(() => fake.edits.some((e) => e.message_id === request.message_id), 10_000, 'the outcome edited in');
    const edit = fake.edits.find((e) => e.message_id === request.message_id)!;
    expect(edit.text).toMatch(new RegExp(`^✅ APPROVED by telegram:${OPERATOR_ID} at `));
    expect(edit.reply_markup).toEqual({ inline_keyboard: [] });
    await expect.poll(async () => (await entryOrders('tg-phone-1')).length, { timeout: 10_000 }).toBe((await entryOrders('tg-term-1')).length);

    // The decision beads: one each, the same shape, bar who and where.
    const [phone] = await approvalBeads('tg-phone-1', 'DECISION');
    const [term] = await approvalBeads('tg-term-1', 'DECISION');
    // Issue 17: each names the order it was shown and carries its proof (the Telegram user the host heard; the operator at the terminal).
    const { binding, binding_hash, proof, ...shape } = phone!.data;
    expect(shape).toEqual({ intent_id: 'tg-phone-1', event: 'DECISION', decision: 'APPROVE', decided_by: `telegram:${OPERATOR_ID}`, channel: 'TELEGRAM', content_hash: 'sha256-tg-phone-1' });
    expect(binding).toMatchObject({ action: 'BUY', pair: 'EURUSD', order_refs: { entry: 'tg-phone-1-entry' } });
    expect(binding_hash).toEqual(expect.any(String));
    expect(proof).toEqual({ method: 'TELEGRAM', operator: `telegram:${OPERATOR_ID}` });
    const comparable = (d: NonNullable<typeof phone>["data"]) => ({ ...d, intent_id: 'x', content_hash: 'x', decided_by: 'x', channel: 'x', binding: 'x', binding_hash: 'x', proof: 'x' });
    expect(comparable(phone!.data)).toEqual(comparable(term!.data));
    expect(term!.data).toMatchObject({ decided_by: 'alice', channel: 'TERMINAL' });
    const [phoneEvidence] = await approvalBeads('tg-phone-1', 'EVIDENCE_SHOWN');
    const [termEvidence] = await approvalBeads('tg-term-1', 'EVIDENCE_SHOWN');
    expect(phone!.causation_id).toBe(phoneEvidence!.bead_id);
    expect(term!.causation_id).toBe(termEvidence!.bead_id);
    expect(Object.keys(phone!).sort()).toEqual(Object.keys(term!).sort());

    // The same token path and the same bracket.
    for (const id of ['tg-term-1', 'tg-phone-1']) {
      await expect.poll(async () => (await approvalBeads(id, 'TOKEN_ISSUED')).length, { timeout: 10_000 }).toBe(1);
    }
    expect((await approvalBeads('tg-phone-1', 'TOKEN_ISSUED'))[0]!.data).toMatchObject({ decided_by: `telegram:${OPERATOR_ID}`, channel: 'TELEGRAM' });
    expect((await entryOrders('tg-phone-1')).map(orderShape)).toEqual((await entryOrders('tg-term-1')).map(orderShape));
    await expect.poll(async () => (await beads()).some((b) => b.bead_type === 'POSITION' && b.correlation_id === 'tg-phone-1'), { timeout: 10_000 }).toBe(true);

    // Stale presses: the same button again, and a button on the approval the terminal decided.
    const decisionsBefore = (await beads()).filter((b) => b.bead_type === 'APPROVAL' && b.data.event === 'DECISION').length;
    const editsBefore = fake.edits.length;
    const again = await press(request, 'APPROVE:tg-phone-1');
    expect(again.show_alert).toBe(true);
    expect(again.text).toMatch(/^Not approved: intent tg-phone-1 was already decided: APPROVE by telegram:/);
    const late = await press(termRequest, 'REJECT:tg-term-1');
    expect(late.text).toMatch(/^Not rejected: intent tg-term-1 was already decided: APPROVE by alice on TERMINAL/);
    const unknown = await press(request, 'REJECT:no-such-intent');
    expect(unknown.text).toBe('Not rejected: no intent no-such-intent in the log');
    expect((await beads()).filter((b) => b.bead_type === 'APPROVAL' && b.data.event === 'DECISION').length).toBe(decisionsBefore);
    expect(fake.edits.length).toBe(editsBefore);
    // Each approval was announced once.
    expect(fake.messages.filter((m) => m.text.startsWith('Approval needed: ')).length).toBe(2);
  }, 60_000);

  it('REJECT from the phone ends the approval with the Telegram reason and sends nothing', async () => {
    await ready('tg-phone-2');
    const request = await requestFor('tg-phone-2');
    const answer = await press(request, 'REJECT:tg-phone-2');
    expect(answer.text).toBe('REJECTED: tg-phone-2');
    const [decision] = await approvalBeads('tg-phone-2', 'DECISION');
    expect(decision!.data).toMatchObject({ decision: 'REJECT', channel: 'TELEGRAM', decided_by: `telegram:${OPERATOR_ID}`, reason: 'rejected from Telegram' });
    await fake.waitFor(() => fake.edits.some((e) => e.message_id === request.message_id), 10_000, 'the outcome edited in');
    expect(fake.edits.at(-1)!.text).toMatch(new RegExp(`^❌ REJECTED by telegram:${OPERATOR_ID} at `));
    await expect.poll(async () => (await approvalBeads('tg-phone-2', 'REJECTED')).length, { timeout: 10_000 }).toBe(1);
    expect(await entryOrders('tg-phone-2')).toEqual([]);
  }, 30_000);

  it('a restarted host does not announce a pending approval again, and the button sent before the restart still decides it', async () => {
    await ready('tg-restart-1');
    const request = await requestFor('tg-restart-1');
    await host.stop('restart');
    const callsBefore = fake.calls.length;
    host = await startHost({ config: loadConfig(env), log, clock: systemClock, logger: silentLogger });
    await expect.poll(() => host.broker.connection.connected, { timeout: 5_000 }).toBe(true);
    await fake.waitForLivePolling(callsBefore);
    // A new approval after the restart is announced: by then the old one would have been too.
    await ready('tg-restart-2');
    await requestFor('tg-restart-2');
    expect(fake.messages.filter((m) => m.text.startsWith('Approval needed: tg-restart-1 ')).length).toBe(1);
    expect((await press(request, 'APPROVE:tg-restart-1')).text).toBe('APPROVED: tg-restart-1');
    await expect.poll(async () => (await entryOrders('tg-restart-1')).length, { timeout: 10_000 }).toBeGreaterThan(0);
  }, 30_000);
});
