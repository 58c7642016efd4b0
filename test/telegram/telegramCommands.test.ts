/**
 * The Telegram commands of S7.2 on a running host (mock broker, in process),
 * through the real node-telegram-bot-api client against the fake Bot API:
 * /halt and /resume behind confirm buttons append the same beads the CLI
 * does, the read commands answer from the log's projections, and a stranger
 * gets nothing but a SECURITY bead.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { submitGuarded } from '../../actors/broker/submitGuards.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { NO_TOKENS } from '../../actors/killswitch/haltBroker.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Bead } from '../../beads/index.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { FakeBotApi, type SentMessage } from '../fakes/botApi.ts';
import { CHAT_ID, OPERATOR_ID, STRANGER_ID, TEST_TOKEN } from '../notify/telegramHarness.ts';
import { makeTempDir } from '../support/tempDir.ts';

let home: ReturnType<typeof makeTempDir>;
let fake: FakeBotApi;
let log: MemoryEventLog;
let host: RunningHost;

beforeEach(async () => {
  home = makeTempDir('phoenix-telegram-commands');
  fake = await FakeBotApi.start({ token: TEST_TOKEN });
  log = new MemoryEventLog();
  const config = loadConfig({
    PHOENIX_HOME: home.dir,
    DASHBOARD_PORT: '0',
    LOG_LEVEL: 'silent',
    // Confirmations expire after 120 s of the scaled clock: 24 s here, ample on a busy machine.
    TIME_SCALE: '0.2',
    TELEGRAM_BOT_TOKEN: TEST_TOKEN,
    TELEGRAM_CHAT_ID: CHAT_ID,
    TELEGRAM_ALLOWED_USER_IDS: String(OPERATOR_ID),
    TELEGRAM_API_ROOT: fake.apiRoot,
  });
  host = await startHost({ config, log, clock: systemClock, logger: silentLogger });
  await expect.poll(() => host.broker.connection.connected, { timeout: 5_000 }).toBe(true);
  // The host starts its bot without waiting; a command sent before polling begins is dropped as stale.
  await fake.waitForLivePolling();
});
afterEach(async () => {
  await host.stop('test over');
  await fake.close();
  home.remove();
});

async function beads(): Promise<Bead[]> {
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  return out;
}

const say = (text: string, userId = OPERATOR_ID) => fake.injectMessage({ chatId: CHAT_ID, userId, text });

/** The next message the bot sends that matches, ignoring alert notifications. */
async function replyMatching(pattern: RegExp, what: string): Promise<SentMessage> {
  const find = () => fake.messages.find((m) => pattern.test(m.text));
  await fake.waitFor(() => find() !== undefined, 10_000, what);
  return find()!;
}

async function confirm(question: SentMessage, userId = OPERATOR_ID): Promise<string> {
  const data = (question.reply_markup as { inline_keyboard: { callback_data: string }[][] }).inline_keyboard[0]![0]!.callback_data;
  const edits = fake.edits.length;
  fake.injectCallback({ chatId: CHAT_ID, userId, data, messageId: question.message_id });
  await fake.waitFor(() => fake.edits.length > edits, 20_000, 'the outcome edited into the question');
  return fake.edits.at(-1)!.text;
}

async function restingOrder(): Promise<void> {
  const [orderId] = host.broker.connector.orderIds.allocate(1);
  const result = await submitGuarded(
    {
      kind: 'EXIT',
      account: host.broker.account,
      correlationId: 'tg-setup',
      authority: { who: 'cli:test', reason: 'a working order to halt' },
      orders: [{ orderId: orderId!, orderRef: `tg-${orderId}`, pair: 'EURUSD', action: 'BUY', quantity: 1_000, orderType: 'LMT', limitPrice: 0.5, role: 'CLOSE' }],
    },
    { ...host.submitPorts(), tokens: NO_TOKENS },
  );
  expect(result.outcome).toBe('SENT');
}

describe('Telegram commands on the host', () => {
  it('a stranger’s /halt does nothing but a SECURITY bead; the operator’s /halt, once confirmed, halts and /resume with a reason re-arms', async () => {
    await restingOrder();
    say('/halt', STRANGER_ID);
    await expect.poll(async () => (await beads()).some((b) => b.bead_type === 'SECURITY'), { timeout: 10_000 }).toBe(true);
    const security = (await beads()).find((b) => b.bead_type === 'SECURITY');
    expect(security?.bead_type === 'SECURITY' && security.data).toMatchObject({ who: `telegram:${STRANGER_ID}`, channel: 'TELEGRAM', why: 'user not in TELEGRAM_ALLOWED_USER_IDS' });
    expect(fake.messages).toEqual([]);
    expect(host.killSwitch.killFlag()).toBe('ARMED');
    expect(await host.broker.connector.openOrders()).toHaveLength(1);

    say('/halt fat finger on EURUSD');
    const question = await replyMatching(/^EMERGENCY HALT/, 'the halt question');
    expect(question.text).toMatch(/cancel every working order \(positions stay\)\?\nReason: fat finger on EURUSD/);
    expect(host.killSwitch.killFlag()).toBe('ARMED');
    const outcome = await confirm(question);
    expect(outcome).toMatch(/^✅ halt COMPLETED in \d+ ms/);
    expect(outcome).toMatch(/1 working order\(s\) cancelled by IB's global cancel/);
    expect(host.killSwitch.killFlag()).toBe('SET');
    expect(await host.broker.connector.openOrders()).toEqual([]);
    const all = await beads();
    const flag = all.find((b) => b.bead_type === 'KILL_FLAG');
    expect(flag?.bead_type === 'KILL_FLAG' && [flag.data.state, flag.data.who, flag.data.reason]).toEqual(['SET', `telegram:${OPERATOR_ID}`, 'fat finger on EURUSD']);
    expect(all.flatMap((b) => (b.bead_type === 'HALT' ? [`${b.data.step} ${b.data.who}`] : []))).toEqual([
      `STARTED telegram:${OPERATOR_ID}`,
      `ORDERS_CANCELLED telegram:${OPERATOR_ID}`,
      `COMPLETED telegram:${OPERATOR_ID}`,
    ]);

    say('/status');
    const status = await replyMatching(/^Health: /, 'the /status reply');
    expect(status.text).toMatch(new RegExp(`Kill flag: SET by telegram:${OPERATOR_ID} at .*: fat finger on EURUSD`));

    say('/resume');
    await replyMatching(/^Usage: \/resume <reason>/, 'the usage line');
    say('/resume checked with the desk, order was intended');
    const ask = await replyMatching(/^Clear the kill flag/, 'the resume question');
    expect(ask.text).toMatch(new RegExp(`Now: SET by telegram:${OPERATOR_ID} \\(fat finger on EURUSD\\)`));
    expect(await confirm(ask)).toBe(`Kill flag CLEARED by telegram:${OPERATOR_ID}: checked with the desk, order was intended. New entries are allowed again.`);
    expect(host.killSwitch.killFlag()).toBe('ARMED');
    const cleared = (await beads()).filter((b) => b.bead_type === 'KILL_FLAG').at(-1);
    expect(cleared?.bead_type === 'KILL_FLAG' && cleared.data).toEqual({ state: 'CLEARED', who: `telegram:${OPERATOR_ID}`, reason: 'checked with the desk, order was intended' });
  }, 60_000);

  it('/health, /positions and /gaps answer from the log', async () => {
    say('/health');
    const health = await replyMatching(/^Health: /, 'the /health reply');
    expect(health.text).toMatch(/heartbeat gaps: \d+ longer than/);
    expect(health.text).toMatch(/Kill flag: ARMED/);
    say('/positions');
    expect((await replyMatching(/^Positions: /, 'the /positions reply')).text).toMatch(/^Positions: 0 open/);
    say('/gaps');
    const gaps = await replyMatching(/^(No heartbeat gaps|\d+ heartbeat gaps?) for/, 'the /gaps reply');
    expect(gaps.text).toMatch(/for phoenix-1 in the last 24 h/);
    expect(gaps.text).toMatch(/connection gaps? for phoenix-1 in the last 7 days/);
  }, 30_000);
});
