import { createInterface } from 'node:readline/promises';
import { appendDecision, approvalFor, type DecisionOutcome, type DecisionRefused, renderEvidenceText } from '../../actors/approval/index.ts';
import { isoAt, systemClock } from '../../runtime/clock.ts';
import { type Config, loadConfig } from '../../runtime/config/load.ts';
import { staleAtOf } from '../../projections/approvals.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { openEventLog } from '../../store/open.ts';
import type { EventLog } from '../../store/port.ts';
import { type Command, type CommandIo, EXIT, parseCommandArgs, UsageError, writeError, writeLine } from '../command.ts';
import { paintFor } from '../terminal.ts';
import { operatorOf } from './operator.ts';

/**
 * `phoenix approve` and `phoenix reject` (S5.3 step 4, S9): a person's
 * decision from the terminal. Both read the approval from the log, and both
 * write through appendDecision, the same writer Telegram's buttons use. The
 * host reacts to the bead through its subscription: the log is the bus.
 */

const HELP = `Usage: phoenix approve <intent-id> [--yes] [--as NAME]

Shows the evidence bundle recorded for the intent (its EVIDENCE_SHOWN bead),
asks for confirmation, then appends an APPROVAL DECISION bead (APPROVE, by
NAME, channel TERMINAL) to the log. The host reacts to it: it mints the T2
token, runs the submit guard chain and sends the bracket order. Nothing is
sent without this decision.

Options:
  --yes       do not ask; needed when stdin is not a terminal (scripts)
  --as NAME   who decides (default: PHOENIX_OPERATOR, else your OS user name)

Exit codes: 0 the decision is recorded; 1 the intent is not awaiting a
decision (already decided, stale, ended, evidence not shown yet); 2 usage, or
an unknown intent.

Example:
  phoenix approve cse-20261124-0915 --as alice`;

/** Unknown intents and missing names are the caller's mistake; everything else is the approval's state. */
export function exitCodeOf(refused: DecisionRefused): number {
  return refused.code === 'UNKNOWN_INTENT' || refused.code === 'NO_PERSON' ? EXIT.usage : EXIT.failure;
}

export function oneIntentId(positionals: string[]): string {
  if (positionals.length !== 1 || !positionals[0]?.trim()) throw new UsageError('name exactly one intent id');
  return positionals[0].trim();
}

/** The decision's outcome, told to the person; returns the exit code. */
export function report(io: CommandIo, command: string, outcome: DecisionOutcome): number {
  if (!outcome.ok) {
    writeError(io, `phoenix ${command}: ${outcome.why}`);
    return exitCodeOf(outcome);
  }
  const d = outcome.bead.data;
  const paint = paintFor(io.stdout, io.env);
  const verdict = d.decision === 'APPROVE' ? paint.good(`${d.decision} recorded`) : paint.warn(`${d.decision} recorded`);
  writeLine(io.stdout, `${verdict} for ${d.intent_id} by ${d.decided_by} (${d.channel}): bead ${outcome.bead.bead_id} on ${outcome.bead.stream} at ${outcome.bead.ts}.`);
  const next = d.decision === 'APPROVE' ? `The host mints the token and runs the guard chain; follow it with: phoenix replay --stream approval-${d.intent_id}` : 'Nothing will be sent for this intent.';
  writeLine(io.stdout, next);
  return EXIT.ok;
}

async function confirm(io: CommandIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stdout });
  try {
    const answer = await rl.question(question, { signal: io.signal });
    return /^(y|yes)$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

export async function withLog<T>(config: Config, use: (log: EventLog) => Promise<T>): Promise<T> {
  const log = await openEventLog(config);
  try {
    return await use(log);
  } finally {
    await log.close();
  }
}

export const approveCommand: Command = {
  name: 'approve',
  summary: 'approve an intent awaiting a decision (shows its evidence, asks, then records the decision)',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { yes: { type: 'boolean' }, as: { type: 'string' } }, true);
    const intentId = oneIntentId(positionals);
    const config = loadConfig(io.env, io.cwd);
    const who = operatorOf(values.as, config).id;
    return withLog(config, async (log) => {
      const found = await approvalFor(log, intentId, systemClock.now());
      if (!found.ok) return report(io, 'approve', found);
      const { record } = found;
      const staleAt = staleAtOf(record);
      if (record.evidence) {
        writeLine(io.stdout, renderEvidenceText(record.evidence, { ...(record.evidence_bead_id ? { beadId: record.evidence_bead_id } : {}), ...(staleAt === undefined ? {} : { staleAt: isoAt(staleAt) }) }));
        writeLine(io.stdout);
      }
      if (!values.yes && io.stdin.isTTY !== true) throw new UsageError('stdin is not a terminal: pass --yes to approve without being asked');
      if (!values.yes && !(await confirm(io, `Approve ${intentId} as ${who}? Nothing is sent otherwise. [y/N] `))) {
        writeError(io, `phoenix approve: not approved; ${intentId} is still awaiting a decision`);
        return EXIT.failure;
      }
      const outcome = await appendDecision(
        { log, clock: systemClock, ids: uuidV7Ids, hostId: config.PHOENIX_HOST_ID, mode: config.mode },
        { intentId, decision: 'APPROVE', decidedBy: who, channel: 'TERMINAL' },
      );
      return report(io, 'approve', outcome);
    });
  },
};
