import { systemClock } from '../../runtime/clock.ts';
import { type Config, loadConfig } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { DIRECT_HALT_CLIENT_ID_OFFSET, directHalt, directHaltClientId } from '../../actors/killswitch/directHalt.ts';
import { describeHaltStep, followHalt, haltRequestDraft } from '../../actors/killswitch/haltRequest.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { type LeaseHolder, leaseLiveness, LeaseUnreadableError } from '../../store/lease.ts';
import { openEventLog } from '../../store/open.ts';
import type { EventLog } from '../../store/port.ts';
import { type CommandIo, type Command, EXIT, parseCommandArgs, writeError, writeLine } from '../command.ts';
import { commandLogger, paintFor } from '../terminal.ts';
import { cliWho, requiredReason, secondsOption } from './operator.ts';

const HELP = `Usage: phoenix halt --reason "TEXT" [--flatten] [--as NAME] [--timeout S]

Emergency halt (RB-004): sets the kill flag (new entries are refused), cancels
every working order at IB with the global cancel, and with --flatten closes
every position at market. Each step is a HALT bead with its timing, and a
HALT_EXECUTED alert goes out.

With a host running, the request reaches it through the log: this command
appends a HALT STARTED bead, the host executes it, and this command prints
each step as it lands and the time taken. It waits --timeout seconds
(default 30) for COMPLETED or FAILED.

With the host down (no live host holds the lease: released, expired, or its
pid is gone), this command connects to the gateway itself at IBKR_HOST and
the mode's port with its own client id, IBKR_CLIENT_ID + ${DIRECT_HALT_CLIENT_ID_OFFSET} (so it never
collides with the host's), sends the global cancel, and records the KILL_FLAG
and HALT beads itself.

Options:
  --reason TEXT   why (required): it is what the next person reads
  --flatten       also close every position at market (after the cancels)
  --as NAME       who is halting (default: PHOENIX_OPERATOR, else your OS user name); recorded as cli:NAME
  --timeout S     how long to wait for the host (default 30)

Exit codes: 0 halt completed, 1 halt failed or not confirmed in time, 2 usage.
The kill flag stays SET until a person clears it: phoenix resume --reason "…".

Examples:
  phoenix halt --reason "runaway orders"
  phoenix halt --flatten --reason "gap risk into NFP" --as alice`;

export const haltCommand: Command = {
  name: 'halt',
  summary: 'emergency halt (RB-004): kill flag, global cancel, --flatten closes positions',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      reason: { type: 'string' },
      flatten: { type: 'boolean' },
      as: { type: 'string' },
      timeout: { type: 'string' },
    });
    const reason = requiredReason(values.reason, 'a halt says why, for whoever clears it');
    const timeoutS = secondsOption(values.timeout, '--timeout', 30);
    const config = loadConfig(io.env, io.cwd);
    const who = cliWho(values.as, config);
    const log = await openEventLog(config);
    try {
      const request = { who, reason, flatten: values.flatten === true };
      let holder: LeaseHolder | undefined;
      let why: string;
      try {
        const liveness = await leaseLiveness(log, { clock: systemClock });
        holder = liveness.live ? liveness.holder : undefined;
        why = liveness.live ? '' : liveness.why;
      } catch (err) {
        if (!(err instanceof LeaseUnreadableError)) throw err;
        writeError(io, `phoenix halt: cannot tell whether a host is running (${err.message}); not halting blind. Halt in TWS or the IB app (RB-004 step 4).`);
        return EXIT.failure;
      }
      return holder ? await haltThroughHost(log, config, holder, request, timeoutS, io) : await haltDirectly(log, config, why, request, io);
    } finally {
      await log.close();
    }
  },
};

type Request = { who: string; reason: string; flatten: boolean };

async function haltThroughHost(log: EventLog, config: Config, holder: LeaseHolder, request: Request, timeoutS: number, io: CommandIo): Promise<number> {
  const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: `${config.PHOENIX_HOST_ID}-cli`, mode: config.mode });
  const draft = haltRequestDraft(request);
  const started = Date.now();
  const { result } = await writer.write(draft);
  writeLine(io.stdout, `halt ${draft.correlation_id} requested by ${request.who}; host ${holder.holder} (pid ${holder.pid}) executes it`);
  const outcome = await followHalt(log, draft.correlation_id, {
    after: result.position,
    timeoutMs: timeoutS * 1000,
    onStep: (bead) => writeLine(io.stdout, `  ${describeHaltStep(bead)}`),
  });
  if ('timedOut' in outcome) {
    writeError(io, `phoenix halt: host ${holder.holder} did not finish halt ${draft.correlation_id} within ${timeoutS} s; the request stays in the log, and a host that starts later executes it first.`);
    writeLine(io.stderr, `If the host is hung, stop it (kill ${holder.pid}) and run phoenix halt again: with no live host it connects to the gateway itself.`);
    return EXIT.failure;
  }
  const step = outcome.final.data.step;
  const paint = paintFor(io.stdout, io.env);
  writeLine(io.stdout, `${step === 'COMPLETED' ? paint.good(step) : paint.bad(step)} after ${Date.now() - started} ms as seen from here`);
  return finish(outcome.final.data.step === 'COMPLETED', io);
}

async function haltDirectly(log: EventLog, config: Config, why: string, request: Request, io: CommandIo): Promise<number> {
  const clientId = directHaltClientId(config);
  writeLine(io.stdout, `no live host holds the log (${why}).`);
  writeLine(io.stdout, `Halting directly: connecting to the gateway at ${config.IBKR_HOST}:${config.ibkrPort} (${config.mode}) with client id ${clientId} (IBKR_CLIENT_ID + ${DIRECT_HALT_CLIENT_ID_OFFSET})`);
  const logger = commandLogger(config, io.env, config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const { outcome } = await directHalt({
    config,
    log,
    clock: systemClock,
    logger,
    request,
    onStep: (bead) => writeLine(io.stdout, `  ${describeHaltStep(bead)}`),
  });
  return finish(outcome.ok, io);
}

function finish(ok: boolean, io: CommandIo): number {
  if (ok) {
    writeLine(io.stdout, 'The kill flag stays SET until a person clears it: phoenix resume --reason "…" (RB-005).');
    return EXIT.ok;
  }
  writeLine(io.stderr, 'phoenix halt: the halt did not complete. Follow RB-004: check phoenix status, cancel in TWS or the IB app if needed.');
  return EXIT.failure;
}
