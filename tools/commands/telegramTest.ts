import { hostname } from 'node:os';
import { loadConfig } from '../../runtime/config/load.ts';
import { systemClock } from '../../runtime/clock.ts';
import { renderNotification } from '../../actors/notify/alertMessages.ts';
import { type AlertSource, buildAlertBead, queuedAlertOf, recordDelivered } from '../../actors/notify/outbox.ts';
import { createTelegramApi, describeTelegramFailure, telegramSettingsFrom } from '../../actors/telegram/telegramApi.ts';
import { TelegramChatClient } from '../../actors/telegram/telegramChat.ts';
import { openEventLog } from '../../store/open.ts';
import { type Command, EXIT, parseCommandArgs, UsageError, wantsHelp, writeError, writeLine } from '../command.ts';
import { runSequence } from './telegramSequence.ts';

const HELP = `Usage: phoenix telegram test [--message TEXT | --sequence] [--no-record]

Sends one test alert (TEST_ALERT, runbook RB-006) straight to the configured
Telegram chat and says whether the Bot API accepted it: the live check of
INV-TELEGRAM-LIVE-1. The delivery is then recorded in the log as a RAISED and
a SENT alert bead (the evidence gate P1-4 looks for), in one append, so a
running host never sends it a second time.

With --sequence it runs the device check through the real alert pipeline
(group wait ALERT_GROUP_WAIT_S, the 3 s throttle, retries): a health ping, a
mock READY approval request with buttons that do nothing, a mock DRIFT and a
mock KILL alert (CRITICAL), 10 alerts grouped into one message, and 50 that
the throttle holds back and summarises. Every message starts "🧪 TEST". It
prints what the Bot API accepted at each step and, when every step passed,
records one TEST_ALERT delivery naming them all (P1-4). Nothing else of it
is written to the desk's log. About 35 s with the default group wait.

Needs TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (in .env or the environment);
TELEGRAM_API_ROOT points it at another Bot API server.

Options:
  --message TEXT   the text to send (default: a line naming this host and time)
  --sequence       the device check, step by step
  --no-record      send only; write nothing to the log

Exit codes: 0 delivered (every step, with --sequence), 1 not delivered (or not
configured), 2 bad usage.

Examples:
  phoenix telegram test
  phoenix telegram test --message "drill: ignore"
  phoenix telegram test --sequence`;

/** Points the operator at the variable to fix, from what the Bot API said. */
function hintFor(error: string): string {
  if (/\b401\b|Unauthorized/i.test(error)) return 'Check TELEGRAM_BOT_TOKEN (the Bot API did not accept it).';
  if (/chat not found|\b400\b|\b403\b/i.test(error)) {
    return 'Check TELEGRAM_CHAT_ID, and that the bot is a member of that chat and has been started.';
  }
  return 'Check the network and TELEGRAM_API_ROOT; runbook RB-006_TELEGRAM_DOWN covers an outage.';
}

export const telegramTestCommand: Command = {
  name: 'telegram',
  summary: 'send a test alert to the configured Telegram chat (telegram test)',
  help: HELP,
  async run(argv, io) {
    if (wantsHelp(argv)) {
      writeLine(io.stdout, HELP);
      return EXIT.ok;
    }
    const [sub, ...rest] = argv;
    if (sub !== 'test') {
      writeError(io, `phoenix telegram: unknown subcommand ${JSON.stringify(sub ?? '')}; try 'phoenix telegram test'`);
      return EXIT.usage;
    }
    const { values } = parseCommandArgs(rest, { message: { type: 'string' }, sequence: { type: 'boolean' }, 'no-record': { type: 'boolean' } });
    if (values.sequence && values.message !== undefined) throw new UsageError('--message and --sequence do not go together');
    const config = loadConfig(io.env, io.cwd);
    const settings = telegramSettingsFrom(config);
    if (!settings) {
      const missing = [!config.TELEGRAM_BOT_TOKEN && 'TELEGRAM_BOT_TOKEN', !config.TELEGRAM_CHAT_ID && 'TELEGRAM_CHAT_ID'].filter(Boolean);
      writeError(io, `phoenix telegram test: Telegram is not configured: set ${missing.join(' and ')} in .env or the environment.`);
      return EXIT.failure;
    }
    const source: AlertSource = { hostId: config.PHOENIX_HOST_ID, mode: config.mode, clock: systemClock };
    if (values.sequence) return runSequence(config, settings, source, io, !values['no-record']);
    const when = new Date(systemClock.now()).toISOString();
    const raised = buildAlertBead(source, {
      type: 'alert', alertType: 'TEST_ALERT',
      message: values.message ?? `Test alert from ${config.PHOENIX_HOST_ID} on ${hostname()} at ${when}. If you can read this, alerts reach you.`,
      dedupeKey: `test-alert:${when}`,
      correlationId: `telegram-test-${when}`,
    });
    const [text] = renderNotification({ kind: 'group', detailed: [queuedAlertOf(raised)], summarised: [], origin: `${config.PHOENIX_HOST_ID} ${config.mode}` });

    const chat = new TelegramChatClient(createTelegramApi(settings, 15_000), settings.chatId, settings.token);
    let messageId: number;
    try {
      ({ messageId } = await chat.sendMessage(text!, { signal: io.signal }));
    } catch (err) {
      const error = describeTelegramFailure(err, settings.token).message;
      writeError(io, `phoenix telegram test: not delivered: ${error}\n${hintFor(error)}`);
      return EXIT.failure;
    }
    writeLine(io.stdout, `Delivered to chat ${settings.chatId} (message ${messageId}).`);
    if (values['no-record']) return EXIT.ok;

    try {
      const log = await openEventLog(config);
      try {
        await recordDelivered(log, source, raised, { deliveredAs: `telegram:${messageId}`, message: 'sent by phoenix telegram test' });
      } finally {
        await log.close();
      }
      writeLine(io.stdout, `Recorded in the ${config.logBackend} log as alert ${raised.data.alert_id}.`);
    } catch (err) {
      // Delivered is what the operator asked about; say plainly that the evidence is missing.
      writeError(io, `phoenix telegram test: delivered, but not recorded in the log: ${(err as Error).message}`);
    }
    return EXIT.ok;
  },
};
