import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { KillSwitchLedger } from '../../actors/killswitch/killSwitchLedger.ts';
import { raiseAlert } from '../../actors/notify/outbox.ts';
import { whoOf } from '../../machines/types.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { openEventLog } from '../../store/open.ts';
import { type Command, EXIT, parseCommandArgs, writeError, writeLine } from '../command.ts';
import { commandLogger, paintFor } from '../terminal.ts';
import { operatorOf, requiredReason } from './operator.ts';

const HELP = `Usage: phoenix resume --reason "TEXT" [--as NAME]

Clears the kill flag (S3.5, RB-005) so new entries are allowed again. Only a
person clears it, and only with a reason: the cause fixed, and the evidence.
A KILL_FLAG CLEARED bead records who and why; a running host reads it from
the log and stops refusing entries.

Options:
  --reason TEXT   why it is safe to trade again (required, not blank)
  --as NAME       who is clearing it (default: PHOENIX_OPERATOR, else your OS user name); recorded as cli:NAME

Exit codes: 0 cleared, 1 not cleared (the flag is not set, or the log could not
be written), 2 usage.

Example:
  phoenix resume --reason "drift explained: manual close in TWS, reconciliation MATCH"`;

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'clear the kill flag (a person, with a reason)',
  help: HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { reason: { type: 'string' }, as: { type: 'string' } });
    const reason = requiredReason(values.reason, 'only a person clears the kill flag, and says why');
    const config = loadConfig(io.env, io.cwd);
    const by = operatorOf(values.as, config);
    const log = await openEventLog(config);
    try {
      const hostId = `${config.PHOENIX_HOST_ID}-cli`;
      const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId, mode: config.mode });
      const ledger = await KillSwitchLedger.load({
        writer,
        logger: commandLogger(config, io.env, 'warn'),
        raiseAlert: (a) => raiseAlert(log, { hostId, mode: config.mode, clock: systemClock }, { type: a.alertType, message: a.message, dedupeKey: a.dedupeKey, correlationId: a.correlationId }),
      });
      const was = ledger.describe();
      const outcome = await ledger.request({ type: 'CLEAR', by, reason });
      switch (outcome.kind) {
        case 'recorded':
          writeLine(io.stdout, `${paintFor(io.stdout, io.env).good('kill flag CLEARED')} by ${whoOf(by)}: ${reason}`);
          writeLine(io.stdout, `it was ${was}. New entries are allowed again.`);
          return EXIT.ok;
        case 'refused':
          writeError(io, `phoenix resume: not cleared: ${outcome.why} (it is ${was})`);
          return EXIT.failure;
        default:
          writeError(io, `phoenix resume: not cleared: ${'why' in outcome ? outcome.why : 'nothing changed'}`);
          return EXIT.failure;
      }
    } finally {
      await log.close();
    }
  },
};
