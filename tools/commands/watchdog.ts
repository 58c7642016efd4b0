import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';
import { systemTimers } from '../../runtime/timers.ts';
import { startWatchdog, watchdogIdOf, watchdogTimings } from '../../actors/monitor/watchdog.ts';
import type { WatchdogAction } from '../../actors/monitor/watchdogCore.ts';
import { AlertNotifier } from '../../actors/notify/notifier.ts';
import { createTelegramApi, telegramSettingsFrom } from '../../actors/telegram/telegramApi.ts';
import { TelegramChatClient, TelegramTransport } from '../../actors/telegram/telegramChat.ts';
import { LogTransport, type Transport } from '../../actors/notify/transport.ts';
import type { Config } from '../../runtime/config/load.ts';
import { openEventLog } from '../../store/open.ts';
import { type Command, EXIT, parseCommandArgs, writeLine } from '../command.ts';
import { commandLogger } from '../terminal.ts';

/** How long a stopping watchdog waits for an alert still on its way to the phone. */
const DRAIN_MS = 5_000;

function transportFor(config: Config, logger: Logger): Transport {
  const settings = telegramSettingsFrom(config);
  if (!settings) {
    logger.warn('TELEGRAM_BOT_TOKEN or TELEGRAM_CHAT_ID not set: the watchdog’s alerts go to its log output only');
    return new LogTransport(logger.child({ actor: 'notify' }));
  }
  // Send only: the host's bot owns the chat's updates; the watchdog never polls them.
  return new TelegramTransport(new TelegramChatClient(createTelegramApi(settings, 15_000), settings.chatId, settings.token));
}

function describe(action: WatchdogAction): string {
  const at = new Date().toISOString().slice(11, 19);
  switch (action.kind) {
    case 'missed':
      return `${at}Z MISSED ${action.missCount}: no heartbeat for ${(action.silentMs / 1000).toFixed(1)} s`;
    case 'hostDown':
      return `${at}Z CRITICAL HOST_DOWN (${action.why}): ${action.message}`;
    case 'hostBack':
      return `${at}Z RESOLVED HOST_DOWN: ${action.message}`;
  }
}

export const watchdogCommand: Command = {
  name: 'watchdog',
  summary: 'the dead man’s switch: alert when the host dies or hangs (run it as its own process)',
  help: `Usage: phoenix watchdog

Watches the host named by PHOENIX_HOST_ID through the log it shares with it
(S6.3), as a separate process, and keeps running until SIGINT or SIGTERM:

  - every second it checks the host's pid (from its HOST STARTED or LEASE
    bead); a host gone without a HOST STOPPING bead is a CRITICAL HOST_DOWN
    alert at once;
  - a host that is alive but silent gets a HEARTBEAT MISSED bead for each
    beat that does not come (the first after HEARTBEAT_INTERVAL_S +
    HEARTBEAT_JITTER_S, then one per interval, miss_count counting up); the
    third consecutive miss is a CRITICAL HOST_DOWN alert;
  - a clean stop (HOST STOPPING) is never an alert; a host that beats again
    or restarts gets a RESOLVED notice.

It takes no lease: it writes only MISSED beads and its own alerts, under the
host id <PHOENIX_HOST_ID>-watchdog, and delivers those alerts itself (Telegram
when TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID are set, else its log output),
because the host may be the thing that is down. TIME_SCALE scales the beat.

It prints one line per finding. With WATCHDOG_METRICS_PORT set it also
serves Prometheus metrics at http://127.0.0.1:<port>/metrics: whether the
host is up, the age of its last heartbeat, and the misses.
Runbook: RB-010_HOST_DOWN.

Example:
  phoenix watchdog                      # beside 'phoenix run', on the same PHOENIX_HOME`,
  async run(argv, io) {
    parseCommandArgs(argv, {});
    const config = loadConfig(io.env, io.cwd);
    const logger = commandLogger(config, io.env);
    const log = await openEventLog(config);
    const source = { hostId: watchdogIdOf(config.PHOENIX_HOST_ID), mode: config.mode, clock: systemClock };
    const notifier = new AlertNotifier({
      log,
      transport: transportFor(config, logger),
      source,
      timers: systemTimers,
      logger,
      // CRITICALs skip the wait anyway; the RESOLVED notice waits for company like any other.
      rules: { groupWaitMs: config.ALERT_GROUP_WAIT_S * 1000 * config.TIME_SCALE },
    });
    try {
      await notifier.start();
      const watchdog = await startWatchdog({
        log,
        hostId: config.PHOENIX_HOST_ID,
        mode: config.mode,
        timings: watchdogTimings(config),
        clock: systemClock,
        timers: systemTimers,
        logger,
        alertWithoutLog: (input) => notifier.raiseWithoutLog(input),
        onAction: (action) => writeLine(io.stdout, describe(action)),
        ...(config.WATCHDOG_METRICS_PORT === undefined ? {} : { metricsPort: config.WATCHDOG_METRICS_PORT }),
      });
      await watchdog.caughtUp;
      const pid = watchdog.core.pid;
      writeLine(io.stdout, `phoenix watchdog watching host ${config.PHOENIX_HOST_ID} (${pid === undefined ? 'not started yet' : `pid ${pid}, ${watchdog.core.state}`}) on the ${log.name} log (pid ${process.pid})`);
      if (watchdog.metricsUrl) writeLine(io.stdout, `watchdog metrics: ${watchdog.metricsUrl}`);
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await watchdog.stop();
      // An alert raised just before the signal should still reach the phone.
      await Promise.race([notifier.idle(), new Promise((r) => setTimeout(r, DRAIN_MS))]);
      return EXIT.ok;
    } finally {
      await notifier.stop();
      await log.close();
    }
  },
};
