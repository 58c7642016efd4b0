import { hostname } from 'node:os';
import type { AlertType } from '../../actors/notify/alertTypes.ts';
import { AlertNotifier } from '../../actors/notify/notifier.ts';
import { type AlertBead, type AlertSource, buildAlertBead, raiseAlert, recordDelivered } from '../../actors/notify/outbox.ts';
import type { Transport } from '../../actors/notify/transport.ts';
import { createTelegramApi, type TelegramSettings } from '../../actors/telegram/telegramApi.ts';
import { TelegramChatClient, TelegramTransport } from '../../actors/telegram/telegramChat.ts';
import { TEST_BUTTON_ACTION } from '../../actors/telegram/telegramCommands.ts';
import { RetryingChat } from '../../actors/telegram/telegramReplies.ts';
import { streams } from '../../beads/index.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';
import { scaledTime } from '../../runtime/timers.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { openEventLog } from '../../store/open.ts';
import { type CommandIo, EXIT, writeError, writeLine } from '../command.ts';
import { commandLogger } from '../terminal.ts';

/** Every message of the check starts with this, so nobody on the phone takes it for a real alert. */
export const TEST_MARK = '🧪 TEST (phoenix telegram test --sequence): not a real event';


export interface StepResult {
  step: string;
  ok: boolean;
  /** What the Bot API accepted: message ids, counts. */
  said: string;
  messageIds: string[];
}

const WARNINGS: AlertType[] = ['ORDER_REJECTED', 'POSITION_STALLED', 'SUBSCRIPTION_DEAD', 'PACING_WARNING', 'GATEWAY_RESTARTED'];

/**
 * The seed's device check, through the real alert pipeline (the notifier, the
 * dispatch policy with the configured group wait, the throttle, the Telegram
 * transport) to the configured chat: a health ping, a mock approval request
 * with its buttons, a mock DRIFT and a mock KILL (CRITICAL, sent at once), 10
 * alerts grouped into one message, and 50 that the throttle holds back and
 * summarises. The pipeline's outbox is a scratch log in memory, so the desk's
 * log never holds a drift or a kill flag that did not happen; the caller
 * records the result there as one TEST_ALERT (P1-4's evidence).
 */
export class DeviceCheck {
  readonly results: StepResult[] = [];
  private readonly outbox = new MemoryEventLog();
  private readonly source: AlertSource;
  private readonly time: ReturnType<typeof scaledTime>;
  private readonly chat: TelegramChatClient;
  private readonly notifier: AlertNotifier;
  private readonly groupWaitMs: number;
  private readonly stepBudgetMs: number;

  constructor(
    private readonly config: Config,
    settings: TelegramSettings,
    private readonly logger: Logger,
  ) {
    this.time = scaledTime(config.TIME_SCALE);
    this.source = { hostId: config.PHOENIX_HOST_ID, mode: config.mode, clock: this.time.clock, ids: uuidV7Ids };
    this.chat = new TelegramChatClient(createTelegramApi(settings, 15_000), settings.chatId, settings.token);
    this.groupWaitMs = config.ALERT_GROUP_WAIT_S * 1000;
    // A step may wait out its group, the throttle and a few retries of a refused send; then it has failed.
    this.stepBudgetMs = (this.groupWaitMs + 90_000) * config.TIME_SCALE + 10_000;
    const transport = marked(new TelegramTransport(this.chat));
    this.notifier = new AlertNotifier({ log: this.outbox, transport, source: this.source, timers: this.time.timers, logger, rules: { groupWaitMs: this.groupWaitMs }, watchChannel: false });
  }

  async run(): Promise<boolean> {
    await this.notifier.start();
    try {
      const now = new Date(this.source.clock.now()).toISOString();
      const ping = await this.raise('TEST_ALERT', `Health ping from ${this.config.PHOENIX_HOST_ID} (${this.config.mode}) on ${hostname()} at ${now}: alerts reach this chat.`);
      if (!(await this.step('health ping', [ping]))) return false;
      if (!(await this.approvalRequest())) return false;
      const drift = await this.raise('RECONCILIATION_DRIFT', 'mock drift: the broker says 20,000 EURUSD long, the log says flat. Nothing drifted; this checks that a CRITICAL rings.');
      if (!(await this.step('mock DRIFT alert (CRITICAL)', [drift]))) return false;
      const batch = await this.raiseMany(10, 'batch');
      if (!(await this.step('10 alerts batched', batch))) return false;
      return await this.stormWithKill();
    } finally {
      await this.notifier.stop();
    }
  }

  /** The mock READY approval: the evidence's head as the phone shows it, and buttons that do nothing. */
  private async approvalRequest(): Promise<boolean> {
    const staleAt = new Date(this.source.clock.now() + 15 * 60_000).toISOString().slice(11, 16);
    const text = [
      TEST_MARK,
      `Approval needed: TEST-DEVICE-CHECK BUY 20000 EURUSD — decide before ${staleAt} UTC`,
      '  entry 1.08500, stop 1.08200, target 1.09100 (risk 30 pips, reward 60)',
      'A mock READY approval request: its buttons do nothing.',
    ].join('\n');
    const replies = new RetryingChat(this.chat, this.time, this.logger);
    try {
      const { messageId } = await replies.sendMessage(text, {
        buttons: [
          [
            { text: '✅ APPROVE (test)', data: `${TEST_BUTTON_ACTION}:approve` },
            { text: '❌ REJECT (test)', data: `${TEST_BUTTON_ACTION}:reject` },
          ],
        ],
      });
      this.results.push({ step: 'mock READY approval request', ok: true, said: `accepted, message ${messageId}, with its APPROVE / REJECT buttons`, messageIds: [String(messageId)] });
      return true;
    } catch (err) {
      this.results.push({ step: 'mock READY approval request', ok: false, said: `not accepted: ${(err as Error).message}`, messageIds: [] });
      return false;
    }
  }

  /**
   * 50 warnings at once, and the mock KILL (CRITICAL) raised shortly before
   * their group is due: it goes out at once, and the throttle (one message
   * every 3 s per chat) then holds the 50 back and sends them summarised.
   */
  private async stormWithKill(): Promise<boolean> {
    const storm = await this.raiseMany(50, 'storm');
    const dueIn = Math.max(0, this.groupWaitMs - 1_500);
    await new Promise<void>((resolve) => this.time.timers.set(dueIn, resolve));
    const kill = await this.raise('KILL_FLAG_SET', 'mock kill flag: the flag is NOT set and trading is not blocked. This checks that the loudest alert rings.');
    const killed = await this.step('mock KILL alert (CRITICAL)', [kill]);
    const stormed = await this.step('50 alerts throttled', storm);
    return killed && stormed;
  }

  private async raise(type: AlertType, message: string): Promise<string> {
    const { alertId } = await raiseAlert(this.outbox, this.source, { type: 'alert', alertType: type, message, dedupeKey: `device-check:${type}:${uuidV7Ids.next()}`, correlationId: 'device-check' });
    return alertId;
  }

  private async raiseMany(n: number, what: string): Promise<string[]> {
    const ids: string[] = [];
    for (let k = 1; k <= n; k++) ids.push(await this.raise(WARNINGS[k % WARNINGS.length]!, `${what} alert ${k}/${n} of the device check`));
    return ids;
  }

  /** Waits until every alert of the step has a SENT bead, then says what the Bot API took; false when the budget runs out. */
  private async step(step: string, alertIds: string[]): Promise<boolean> {
    const deadline = Date.now() + this.stepBudgetMs;
    for (;;) {
      const beads = await this.alertBeads();
      const sent = beads.filter((b) => b.data.event === 'SENT' && alertIds.includes(b.data.alert_id));
      if (sent.length === alertIds.length) {
        this.results.push(describeStep(step, sent, beads.filter((b) => b.data.event === 'THROTTLED' && alertIds.includes(b.data.alert_id)).length));
        return true;
      }
      if (Date.now() > deadline) {
        const failed = beads.filter((b) => b.data.event === 'FAILED' && alertIds.includes(b.data.alert_id)).at(-1);
        const why = failed?.data.error ? `; the Bot API said: ${failed.data.error}` : '';
        this.results.push({ step, ok: false, said: `${sent.length} of ${alertIds.length} delivered in ${Math.round(this.stepBudgetMs / 1000)} s${why}`, messageIds: [] });
        return false;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async alertBeads(): Promise<AlertBead[]> {
    const entries = await this.outbox.readStream(streams.alerts);
    return entries.flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'ALERT' ? [e.bead as AlertBead] : []));
  }
}

function describeStep(step: string, sent: AlertBead[], throttled: number): StepResult {
  const ids = [...new Set(sent.flatMap((b) => (b.data.delivered_as ?? '').replace(/^telegram:/, '').split(',')).filter(Boolean))];
  const alerts = sent.length === 1 ? 'accepted' : `${sent.length} alerts accepted`;
  const held = throttled > 0 ? `, ${throttled} of them first held back by the throttle` : '';
  return { step, ok: true, said: `${alerts} in ${ids.length} message(s) (${ids.join(', ')})${held}`, messageIds: ids };
}

/** The alert transport with every message marked as a test. */
function marked(inner: Transport): Transport {
  return { name: inner.name, send: (text, signal) => inner.send(`${TEST_MARK}\n${text}`, signal) };
}

/**
 * `phoenix telegram test --sequence`: runs the device check, prints each
 * step as the Bot API answered it, and when every step passed records one
 * TEST_ALERT RAISED + SENT in the desk's log (what P1-4 reads), its SENT
 * bead naming every step and message. Exit 0 only when every step passed.
 */
export async function runSequence(config: Config, settings: TelegramSettings, source: AlertSource, io: CommandIo, record: boolean): Promise<number> {
  writeLine(io.stdout, `Device check to chat ${settings.chatId}, through the alert pipeline (group wait ${config.ALERT_GROUP_WAIT_S} s${config.TIME_SCALE < 1 ? `, TIME_SCALE ${config.TIME_SCALE}` : ''}):`);
  // Warnings (a refused send, a retry) are worth seeing during a check; info lines would drown the steps.
  const quiet = ['silent', 'fatal', 'error'].includes(config.LOG_LEVEL) ? config.LOG_LEVEL : 'warn';
  const check = new DeviceCheck(config, settings, commandLogger(config, io.env, quiet));
  const passed = await check.run();
  for (const r of check.results) writeLine(io.stdout, `  ${r.ok ? '✓' : '✗'} ${r.step}: ${r.said}`);
  if (!passed) {
    writeError(io, 'phoenix telegram test --sequence: the device check did not pass; nothing recorded. Runbook RB-006_TELEGRAM_DOWN covers an unreachable Bot API.');
    return EXIT.failure;
  }
  writeLine(io.stdout, 'Every step was accepted by the Bot API. Check the phone: each message starts "🧪 TEST".');
  if (!record) return EXIT.ok;
  const ping = check.results[0]!;
  const raised = buildAlertBead(source, {
    type: 'alert', alertType: 'TEST_ALERT',
    message: `Device check (phoenix telegram test --sequence) from ${config.PHOENIX_HOST_ID}: ${check.results.length} steps accepted`,
    dedupeKey: `test-alert:sequence:${new Date(source.clock.now()).toISOString()}`,
    correlationId: `telegram-test-sequence-${source.clock.now()}`,
  });
  const summary = check.results.map((r) => `${r.step}: ${r.said}`).join('; ');
  try {
    const log = await openEventLog(config);
    try {
      await recordDelivered(log, source, raised, { deliveredAs: `telegram:${ping.messageIds.join(',')}`, message: `device check passed: ${summary}` });
    } finally {
      await log.close();
    }
    writeLine(io.stdout, `Recorded in the ${config.logBackend} log as alert ${raised.data.alert_id} (P1-4's test alert).`);
  } catch (err) {
    writeError(io, `phoenix telegram test --sequence: passed, but not recorded in the log: ${(err as Error).message}`);
  }
  return EXIT.ok;
}
