/**
 * Approval from the phone in LIVE (issue 17; S7.2): a live-configured host
 * against the gateway simulator, with Telegram through the real
 * node-telegram-bot-api client against the loopback Bot API. APPROVE alone
 * moves nothing: it shows the order again with CONFIRM / CANCEL; CONFIRM asks
 * for the code from the authenticator the person enrolled; only a right code
 * writes the decision, and only then does the bracket reach the broker.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { type Bead, type BeadOf, type Intent, streams } from '../../beads/index.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { enrol, totpOf } from '../../runtime/operators/enrolment.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { FakeBotApi, type SentMessage } from '../fakes/botApi.ts';
import { CHAT_ID, OPERATOR_ID, TEST_TOKEN } from '../notify/telegramHarness.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { liveHome } from '../support/liveHome.ts';
import { makeTempDir } from '../support/tempDir.ts';

let home: ReturnType<typeof makeTempDir>;
let sim: GatewaySimHandle;
let fake: FakeBotApi;
let log: MemoryEventLog;
let host: RunningHost | undefined;

beforeEach(async () => {
  home = makeTempDir('phoenix-live-phone');
  [sim, fake] = await Promise.all([startGatewaySim({ account: 'U1234567' }), FakeBotApi.start({ token: TEST_TOKEN })]);
  await sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
  log = new MemoryEventLog();
  const config = loadConfig({
    ...(await liveHome(log, home.dir, sim.port)),
    RECONCILE_INTERVAL_S: '3600',
    APPROVAL_TOKEN_SECRET: 'live-phone-approval-secret-0123456789',
    TELEGRAM_BOT_TOKEN: TEST_TOKEN,
    TELEGRAM_CHAT_ID: CHAT_ID,
    TELEGRAM_ALLOWED_USER_IDS: String(OPERATOR_ID),
    TELEGRAM_API_ROOT: fake.apiRoot,
  });
  host = await startHost({ config, log, clock: systemClock, logger: silentLogger });
  await host.broker.connection.waitFor(['CONNECTED', 'GUARD_FAILED']);
  expect(host.broker.connection.state, host.broker.connection.lastReason ?? undefined).toBe('CONNECTED');
  await fake.waitForLivePolling();
}, 60_000);
afterEach(async () => {
  await host?.stop('test over');
  host = undefined;
  await Promise.all([fake.close(), sim.stop()]);
  home.remove();
});

async function beads(): Promise<Bead[]> {
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  return out;
}

const decisions = async (id: string) => (await beads()).filter((b): b is BeadOf<'APPROVAL'> => b.bead_type === 'APPROVAL' && b.data.intent_id === id && b.data.event === 'DECISION');
const entryOrders = async (id: string) => (await beads()).filter((b) => b.bead_type === 'ORDER' && b.correlation_id === id && b.data.event === 'SUBMIT_REQUESTED');

async function ready(id: string): Promise<SentMessage> {
  const intent: Intent = { intent_id: id, signal: 'READY', pair: 'EURUSD', confidence: 0.85, entry: 1.085, stop: 1.082, target: 1.091, setup_type: 'FVG_ENTRY', created_at: new Date().toISOString() };
  const { beads: written } = await host!.writer.write({
    bead_type: 'INTENT',
    stream: streams.intent(id),
    correlation_id: id,
    data: { outcome: 'ACCEPTED', intent, source_file: `${id}.yaml`, content_hash: `sha256-${id}` },
  });
  await host!.flow.onReadyIntent(intent, written[0] as BeadOf<'INTENT'>);
  const find = () => fake.messages.find((m) => m.text.startsWith(`Approval needed: ${id} `));
  await fake.waitFor(() => find() !== undefined, 10_000, `the approval request for ${id}`);
  return find()!;
}

async function press(messageId: number, data: string): Promise<{ text?: string; show_alert: boolean }> {
  const id = fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data, messageId });
  await fake.waitFor(() => fake.answers.some((a) => a.callback_query_id === id), 10_000, `the answer to ${data}`);
  return fake.answers.find((a) => a.callback_query_id === id)!;
}

async function say(text: string, reply: RegExp): Promise<string> {
  const before = fake.messages.length;
  fake.injectMessage({ chatId: CHAT_ID, userId: OPERATOR_ID, text });
  const find = () => fake.messages.slice(before).find((m) => reply.test(m.text));
  await fake.waitFor(() => find() !== undefined, 10_000, `a reply to ${text.split(' ')[0]} matching ${reply}`);
  return find()!.text;
}

/** The answer comes before the edit: wait for the message to read as `pattern`. */
async function editedTo(messageId: number, pattern: RegExp): Promise<(typeof fake.edits)[number]> {
  const find = () => fake.edits.findLast((e) => e.message_id === messageId && pattern.test(e.text));
  await fake.waitFor(() => find() !== undefined, 10_000, `message ${messageId} edited to ${pattern}`);
  return find()!;
}

const buttonsOf = (markup: unknown) => (markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat();

describe('approval from the phone in LIVE', () => {
  it('APPROVE shows the order again, CONFIRM asks for the code, a wrong code moves nothing, the right one sends the bracket', async () => {
    const now = Date.now();
    const operator = enrol(home.dir, 'alice', { telegramUserId: String(OPERATOR_ID), now });
    const request = await ready('live-phone-1');

    const first = await press(request.message_id, 'APPROVE:live-phone-1');
    expect(first.text).toBe('Confirm the order');
    const confirm = await editedTo(request.message_id, /^LIVE: confirm BUY 20,000 EURUSD\?/);
    const [proceed, cancel] = buttonsOf(confirm.reply_markup);
    expect(proceed!.text).toBe('✅ CONFIRM BUY 20,000');
    expect(cancel!.text).toBe('✖ CANCEL');
    expect(await decisions('live-phone-1')).toEqual([]);

    await press(request.message_id, proceed!.callback_data);
    const wrong = (Number(totpOf(operator).generate({ timestamp: now })) + 1) % 1_000_000;
    expect(await say(`/code ${String(wrong).padStart(6, '0')}`, /^Not approved/)).toMatch(/^Not approved: /);
    expect(await decisions('live-phone-1')).toEqual([]);
    expect(await entryOrders('live-phone-1')).toEqual([]);

    await press(request.message_id, proceed!.callback_data);
    const code = totpOf(operator).generate({ timestamp: Date.now() });
    expect(await say(`/code ${code}`, /APPROVED/)).toMatch(new RegExp(`^✅ APPROVED by telegram:${OPERATOR_ID} at `));
    const [decision] = await decisions('live-phone-1');
    expect(decision!.data).toMatchObject({ decision: 'APPROVE', channel: 'TELEGRAM', proof: { method: 'TOTP', operator: 'alice' } });
    expect(JSON.stringify(decision)).not.toContain(code);
    await expect.poll(async () => (await entryOrders('live-phone-1')).length, { timeout: 15_000 }).toBeGreaterThan(0);
    // The broker took it: the simulator filled the entry and the position is followed.
    await expect.poll(async () => (await beads()).some((b) => b.bead_type === 'FILL' && b.correlation_id === 'live-phone-1'), { timeout: 15_000 }).toBe(true);
  }, 60_000);

  it('CANCEL after APPROVE writes nothing and sends nothing', async () => {
    const request = await ready('live-phone-2');
    await press(request.message_id, 'APPROVE:live-phone-2');
    const [, cancel] = buttonsOf((await editedTo(request.message_id, /^LIVE: confirm/)).reply_markup);
    expect((await press(request.message_id, cancel!.callback_data)).text).toBe('Cancelled');
    await editedTo(request.message_id, /^Cancelled: nothing approved\./);
    expect(await say('/code 123456', /No approval is waiting/)).toMatch(/press APPROVE, then CONFIRM, first/);
    expect(await decisions('live-phone-2')).toEqual([]);
    expect(await entryOrders('live-phone-2')).toEqual([]);
  }, 60_000);
});
