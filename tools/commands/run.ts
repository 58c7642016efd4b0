import { systemClock } from '../../runtime/clock.ts';
import { type ApprovalSecretSource, APPROVAL_SECRET_FILE, ensureApprovalSecret, MAKE_A_SECRET } from '../../runtime/config/approvalSecret.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { checkStartupGuards } from '../../actors/broker/startupGuards.ts';
import { GuardFailedError, startHost } from '../../actors/host/host.ts';
import { LiveGateShutError } from '../../actors/host/liveGateAtStart.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { LiveGateVerdict } from '../../projections/liveGate.ts';
import { LeaseHeldError, LeaseUnreadableError } from '../../store/lease.ts';
import { type Command, EXIT, parseCommandArgs, writeError, writeLine } from '../command.ts';
import { commandLogger } from '../terminal.ts';
import { liveGateOnDisk, liveGateUnread } from '../liveGateOnDisk.ts';
import { openEventLog } from '../../store/open.ts';
import { connectionEscalated } from './escalation.ts';

/** GUARD_FAILED, with each missing piece of the live gate: what the operator sees whichever check refused. */
function refusedLive(io: Parameters<Command['run']>[1], startup: ReturnType<typeof checkStartupGuards>, live: LiveGateVerdict | undefined): number {
  writeError(io, `phoenix run: GUARD_FAILED: ${startup.ok ? 'refused' : startup.message}`);
  for (const missing of live?.missing ?? []) writeLine(io.stderr, `  missing: ${missing}`);
  return EXIT.guardFailed;
}

/** One line at start when the approval secret is mock mode's own; never the secret itself. */
function sayWhereTheSecretIs(logger: Logger, source: ApprovalSecretSource): void {
  if (source.from !== 'file') return;
  const what = source.created ? 'made a new approval secret and kept it' : 'using the approval secret kept';
  logger.info(`APPROVAL_TOKEN_SECRET is not set: mock mode ${what} in ${source.path} (mode 0600); paper and live need APPROVAL_TOKEN_SECRET (${MAKE_A_SECRET})`);
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run the actor host (mock mode on the embedded log unless configured otherwise)',
  help: `Usage: phoenix run

Starts the actor host with the configuration from the environment and .env
(see 'phoenix config check'). It takes the single-writer lease on the log, so
a second host against the same log is refused (exit 4). SIGINT or SIGTERM
stops it cleanly: it writes a HOST STOPPING bead, releases the lease, flushes
the log and exits 0.

With IBKR_MODE=paper (or live) it connects to the gateway at IBKR_HOST and
IBKR_PORT (a real IB Gateway, or 'phoenix gateway-sim') and records every
connect, loss and reconnect as IBKR_SESSION beads; the default mock mode uses
the in-process mock broker. A startup guard that fails (live without
IBKR_ALLOW_LIVE=true, an account or port that does not fit the mode, a gateway
that does not manage IBKR_ACCOUNT) ends it with GUARD_FAILED and exit 3.

Live starts only when the phase-1 gates hold on paper and promotion is
LIVE_ACTIVE, which only a person's 'phoenix promote --live' makes it; a
refusal lists each missing piece ('phoenix promote --status' shows them). A
connection lost for good (three reconnect attempts failed: ESCALATED) ends it
with exit 5 once the CRITICAL alert is out: a person restarts it (RB-001).

Approval tokens are signed with APPROVAL_TOKEN_SECRET. Paper and live refuse
to start without it (exit 2; make one with: openssl rand -hex 32). In mock
mode, when it is not set, the host makes a random secret once, keeps it in
PHOENIX_HOME/${APPROVAL_SECRET_FILE} (mode 0600) and uses it on every start.`,
  async run(argv, io) {
    parseCommandArgs(argv, {});
    const loaded = loadConfig(io.env, io.cwd);
    // Refused before the lease, any socket or any write: live without IBKR_ALLOW_LIVE, with no log or
    // chain key to hold a paper history, and the other S4.1 rules, never start. A live gate the log must
    // be read for (the paper gates, INV-IBKR-PAPER-FIRST-1, and promotion at LIVE_ACTIVE, issue 14) is
    // judged by the host from its one read, before any order path starts (refusedLive below).
    const unread = loaded.mode === 'LIVE' ? liveGateUnread(loaded) : undefined;
    const others = checkStartupGuards(loaded, { paperValidationComplete: unread?.open ?? true });
    if (!others.ok) {
      const live = loaded.mode === 'LIVE' ? (unread ?? (await liveGateOnDisk(loaded))) : undefined;
      return refusedLive(io, checkStartupGuards(loaded, { paperValidationComplete: live?.open ?? true }), live);
    }
    // Paper and live without APPROVAL_TOKEN_SECRET stop here (exit 2): every approval would be refused.
    const { config, source } = ensureApprovalSecret(loaded);
    const logger = commandLogger(config, io.env);
    sayWhereTheSecretIs(logger, source);
    const log = await openEventLog(config);
    let host: Awaited<ReturnType<typeof startHost>>;
    try {
      host = await startHost({ config, log, clock: systemClock, logger, refuseShutLiveGate: true });
    } catch (err) {
      await log.close();
      if (err instanceof LiveGateShutError) return refusedLive(io, checkStartupGuards(loaded, { paperValidationComplete: false }), err.verdict);
      if (err instanceof LeaseHeldError || err instanceof LeaseUnreadableError) {
        writeError(io, `phoenix run: refused: ${err.message}`);
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
    const escalated = connectionEscalated(host, log).then((reason) => ({ escalated: reason }));
    const outcome = await Promise.race([stopSignal.then((s) => ({ signal: s })), host.fatal.then((e) => ({ fatal: e })), escalated]);
    if ('escalated' in outcome) {
      writeError(io, `phoenix run: ESCALATED: the IB connection is given up (${outcome.escalated}); restart by hand once the gateway is back (RB-001)`);
      await host.stop('connection ESCALATED').catch(() => undefined);
      await log.close();
      return EXIT.escalated;
    }
    if ('fatal' in outcome) {
      const guard = outcome.fatal instanceof GuardFailedError;
      writeError(io, `phoenix run: ${guard ? 'GUARD_FAILED' : 'stopping'}: ${outcome.fatal.message}`);
      await host.stop(guard ? 'guard failed' : 'fatal').catch(() => undefined);
      await log.close();
      return guard ? EXIT.guardFailed : EXIT.failure;
    }
    await host.stop(outcome.signal);
    await log.close();
    return EXIT.ok;
  },
};
