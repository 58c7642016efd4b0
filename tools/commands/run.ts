import { systemClock } from '../../actors/clock.ts';
import { loadConfig } from '../../actors/config/load.ts';
import { startHost } from '../../actors/host/host.ts';
import { createLogger } from '../../actors/logger.ts';
import { LeaseHeldError, LeaseUnreadableError } from '../../store/lease.ts';
import { openEventLog } from '../../store/open.ts';
import { type Command, EXIT, parseCommandArgs, writeLine } from '../command.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'run the actor host (mock mode on the embedded log unless configured otherwise)',
  help: `Usage: phoenix run

Starts the actor host with the configuration from the environment and .env
(see 'phoenix config check'). It takes the single-writer lease on the log, so
a second host against the same log is refused (exit 4). SIGINT or SIGTERM
stops it cleanly: it writes a HOST STOPPING bead, releases the lease, flushes
the log and exits 0.`,
  async run(argv, io) {
    parseCommandArgs(argv, {});
    const config = loadConfig(io.env, io.cwd);
    const logger = createLogger({ level: config.LOG_LEVEL });
    const log = await openEventLog(config);
    let host: Awaited<ReturnType<typeof startHost>>;
    try {
      host = await startHost({ config, log, clock: systemClock, logger });
    } catch (err) {
      await log.close();
      if (err instanceof LeaseHeldError || err instanceof LeaseUnreadableError) {
        writeLine(io.stderr, `phoenix run: refused: ${err.message}`);
        return EXIT.leaseHeld;
      }
      throw err;
    }
    writeLine(io.stdout, `phoenix host ${config.PHOENIX_HOST_ID} running in ${config.mode} mode on the ${log.name} log (pid ${process.pid})`);
    writeLine(io.stdout, host.dashboardUrl ? `dashboard: ${host.dashboardUrl}` : 'dashboard: not running (see the log above)');
    const stopSignal = new Promise<string>((resolve) => {
      if (io.signal.aborted) resolve(String(io.signal.reason));
      io.signal.addEventListener('abort', () => resolve(String(io.signal.reason)), { once: true });
    });
    const outcome = await Promise.race([stopSignal.then((s) => ({ signal: s })), host.fatal.then((e) => ({ fatal: e }))]);
    if ('fatal' in outcome) {
      writeLine(io.stderr, `phoenix run: stopping: ${outcome.fatal.message}`);
      await host.stop('fatal').catch(() => undefined);
      await log.close();
      return EXIT.failure;
    }
    await host.stop(outcome.signal);
    await log.close();
    return EXIT.ok;
  },
};
