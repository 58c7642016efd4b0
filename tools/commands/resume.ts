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
import { ask } from './approve.ts';
import { UsageError } from '../command.ts';
import { clearAct } from '../../actors/killswitch/clearTrust.ts';
import type { ClearRider } from '../../actors/killswitch/killSwitchLedger.ts';
import { presenceMac } from '../../runtime/operators/presence.ts';
import { leaseLiveness } from '../../store/lease.ts';
import type { EventLog } from '../../store/port.ts';
import { streams } from '../../beads/index.ts';

/** LIVE: the host's answer to the clear this command wrote (its ATTESTATION), within 15 s. */
async function liveAnswer(log: EventLog, requestId: string, io: Parameters<Command['run']>[1]): Promise<number> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    for (const e of await log.readStream(streams.attestations, { direction: 'backwards', limit: 50 })) {
      if (e.kind !== 'bead' || e.bead.bead_type !== 'ATTESTATION' || e.bead.data.subject_id !== requestId) continue;
      if (e.bead.data.verdict === 'ACCEPTED') {
        writeLine(io.stdout, 'The host verified your code and cleared the kill flag. New entries are allowed again.');
        return EXIT.ok;
      }
      writeError(io, `phoenix resume: the host refused the clear: ${e.bead.data.why ?? 'no reason given'}`);
      return EXIT.failure;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  writeError(io, 'phoenix resume: no answer from the host within 15 s; the kill flag stays SET until it verifies a code');
  return EXIT.failure;
}

const HELP = `Usage: phoenix resume --reason "TEXT" [--as NAME]

Clears the kill flag (S3.5, RB-005) so new entries are allowed again. Only a
person clears it, and only with a reason: the cause fixed, and the evidence.
A KILL_FLAG CLEARED bead records who and why; a running host reads it from
the log and stops refusing entries.

In LIVE (issue 17) it needs you at the terminal with a fresh TOTP code from
the phone you enrolled (phoenix operator enroll): the running host verifies
it and clears the flag itself; with no host running it refuses.

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
    const live = config.mode === 'LIVE';
    if (live && io.stdin.isTTY !== true) throw new UsageError('stdin is not a terminal: in LIVE clearing the kill flag needs you at the terminal with a TOTP code');
    const log = await openEventLog(config);
    try {
      let proof: ClearRider['proof'] = { method: 'OPERATOR', operator: by.id, ...(config.osUser ? { os_user: config.osUser } : {}) };
      if (live) {
        const liveness = await leaseLiveness(log, { clock: systemClock }).catch(() => undefined);
        if (!liveness?.live) {
          writeError(io, 'phoenix resume: no host is running: in LIVE the host verifies your code and clears the flag itself. Start it, then resume.');
          return EXIT.failure;
        }
        const code = await ask(io, `TOTP code for ${by.id} (from your phone): `);
        if (!/^\d{6}$/.test(code)) {
          writeError(io, 'phoenix resume: not cleared; a code is 6 digits');
          return EXIT.failure;
        }
        proof = { method: 'TOTP', operator: by.id, mac: presenceMac(code, clearAct(whoOf(by), reason)) };
      }
      const hostId = `${config.PHOENIX_HOST_ID}-cli`;
      const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId, mode: config.mode });
      const ledger = await KillSwitchLedger.load({
        writer,
        logger: commandLogger(config, io.env, 'warn'),
        raiseAlert: (a) => raiseAlert(log, { hostId, mode: config.mode, clock: systemClock }, a),
      });
      const was = ledger.describe();
      const outcome = await ledger.request({ type: 'CLEAR', by, reason }, { proof });
      if (live && outcome.kind === 'recorded') return await liveAnswer(log, outcome.beads[0]?.bead_id ?? '', io);
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
