import { uuidV7Ids } from '../../store/ids.ts';
import type { EventLog } from '../../store/port.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';
import { AlertNotifier } from '../notify/notifier.ts';
import type { AlertSource } from '../notify/outbox.ts';
import { telegramSettingsFrom } from '../telegram/telegramApi.ts';
import { alertTransportFor, TelegramBot } from '../telegram/telegramBot.ts';
import { scaledTime, type Timers } from '../../runtime/timers.ts';
import { outboxLog } from './alertsTail.ts';

export interface RunningNotify {
  /** Present when a bot token and chat are configured; the host registers commands on its router. */
  bot?: TelegramBot;
  notifier: AlertNotifier;
  source: AlertSource;
  timers: Timers;
  stop(): Promise<void>;
}

/**
 * Starts the alert outbox and, when configured, the Telegram bot. Without a
 * token, alerts go to the log (and so to the dashboard) with a warning at
 * start. In a time-scaled run the notify actors share one scaled clock and
 * timer set, so their 3 s throttle and 10 s group wait shrink together.
 */
export function createNotify(config: Config, log: EventLog, logger: Logger, oldestOwed?: () => string | undefined): RunningNotify {
  const { clock, timers } = scaledTime(config.TIME_SCALE);
  const source: AlertSource = { hostId: config.PHOENIX_HOST_ID, mode: config.mode, clock, ids: uuidV7Ids };
  const settings = telegramSettingsFrom(config);
  const bot = settings ? new TelegramBot({ settings, log, source, timers, logger }) : undefined;
  // Issue 15: the outbox restores from the oldest alert still owed, not the whole alerts stream.
  const notifier = new AlertNotifier({ log: oldestOwed ? outboxLog(log, oldestOwed) : log, transport: alertTransportFor(bot, logger), source, timers, logger });
  return {
    bot,
    notifier,
    source,
    timers,
    async stop() {
      await bot?.stop();
      await notifier.stop();
    },
  };
}
