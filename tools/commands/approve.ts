import { createInterface } from 'node:readline/promises';
import { appendDecision, approvalFor, type DecisionOutcome, type DecisionRefused, type DecisionRequest, describeOrder, renderEvidenceText } from '../../actors/approval/index.ts';
import { presenceMac, presenceMessage } from '../../runtime/operators/presence.ts';
import { decisionAct } from '../../runtime/orderBinding.ts';
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

Shows the evidence bundle recorded for the intent (its EVIDENCE_SHOWN bead)
and the exact order that goes out (account, pair, side, units, entry, stop,
target, order refs), asks for confirmation, then appends an APPROVAL
DECISION bead (APPROVE, by NAME, channel TERMINAL) bound to that order. The
host verifies it, answers it (an ATTESTATION bead), mints the T2 token for
exactly that order, runs the submit guard chain and sends the bracket.
Nothing is sent without this decision.

In LIVE the decision needs you at the terminal: it asks for a fresh TOTP
code from the phone you enrolled (phoenix operator enroll), and the host
verifies it; --yes is refused and stdin must be a terminal.

Options:
  --yes       do not ask; needed when stdin is not a terminal (scripts). PAPER and MOCK only
  --as NAME   who decides (default: PHOENIX_OPERATOR, else your OS user name); in LIVE, an enrolled operator

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

interface LineReader {
  rl: ReturnType<typeof createInterface>;
  lines: string[];
  waiting: ((line: string) => void)[];
  closed: boolean;
}

/** One reader per input for the life of the command: a confirmation and then a code arrive as two lines of one stream. */
const readers = new WeakMap<object, LineReader>();

function readerOf(io: CommandIo): LineReader {
  const known = readers.get(io.stdin);
  if (known) return known;
  const r: LineReader = { rl: createInterface({ input: io.stdin }), lines: [], waiting: [], closed: false };
  r.rl.on('line', (line) => {
    const waiter = r.waiting.shift();
    if (waiter) waiter(line);
    else r.lines.push(line);
  });
  r.rl.on('close', () => {
    r.closed = true;
    for (const waiter of r.waiting.splice(0)) waiter('');
  });
  readers.set(io.stdin, r);
  return r;
}

/** Asks one question on the terminal and waits for its line; the input is paused between questions, so nothing holds the process up. */
export async function ask(io: CommandIo, question: string): Promise<string> {
  const r = readerOf(io);
  io.stdout.write(question);
  const buffered = r.lines.shift();
  if (buffered !== undefined) return buffered.trim();
  if (r.closed || io.signal.aborted) return '';
  r.rl.resume();
  const line = await new Promise<string>((resolve) => {
    r.waiting.push(resolve);
    io.signal.addEventListener('abort', () => resolve(''), { once: true });
  });
  r.rl.pause();
  return line.trim();
}

async function confirm(io: CommandIo, question: string): Promise<boolean> {
  return /^(y|yes)$/i.test(await ask(io, question));
}


/** The host's ATTESTATION of a decision: accepted, refused with why, or none in time. */
export async function hostAnswer(log: EventLog, stream: string, subjectId: string, timeoutMs: number): Promise<{ verdict: 'ACCEPTED' | 'REFUSED'; why?: string } | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const e of await log.readStream(stream)) {
      if (e.kind === 'bead' && e.bead.bead_type === 'ATTESTATION' && e.bead.data.subject_id === subjectId) return { verdict: e.bead.data.verdict, ...(e.bead.data.why ? { why: e.bead.data.why } : {}) };
    }
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function reportAnswer(io: CommandIo, answer: Awaited<ReturnType<typeof hostAnswer>>): number {
  if (answer?.verdict === 'ACCEPTED') {
    writeLine(io.stdout, 'The host verified your code: the order goes out as shown.');
    return EXIT.ok;
  }
  writeError(io, answer ? `phoenix approve: the host refused the decision: ${answer.why ?? 'no reason given'}` : 'phoenix approve: no answer from the host yet (is it running?); the decision waits in the log, and the host judges it when it sees it');
  return EXIT.failure;
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
    const live = config.mode === 'LIVE';
    // Issue 17: in LIVE only a person at a terminal, with a code from their phone, approves.
    if (live && values.yes) throw new UsageError('--yes is refused in LIVE: approving live money needs you at the terminal with a TOTP code');
    return withLog(config, async (log) => {
      const found = await approvalFor(log, intentId, systemClock.now());
      if (!found.ok) return report(io, 'approve', found);
      const { record } = found;
      const staleAt = staleAtOf(record);
      if (record.evidence) {
        writeLine(io.stdout, renderEvidenceText(record.evidence, { ...(record.evidence_bead_id ? { beadId: record.evidence_bead_id } : {}), ...(staleAt === undefined ? {} : { staleAt: isoAt(staleAt) }) }));
        writeLine(io.stdout);
      }
      const order = record.evidence?.order;
      if (order) writeLine(io.stdout, `The order: ${describeOrder(order)}`);
      if (!values.yes && io.stdin.isTTY !== true) throw new UsageError(live ? 'stdin is not a terminal: in LIVE an approval needs you at the terminal' : 'stdin is not a terminal: pass --yes to approve without being asked');
      if (!values.yes && !(await confirm(io, `Approve ${intentId} as ${who}? Nothing is sent otherwise. [y/N] `))) {
        writeError(io, `phoenix approve: not approved; ${intentId} is still awaiting a decision`);
        return EXIT.failure;
      }
      let proof: DecisionRequest['proof'] = { method: 'OPERATOR', operator: who, ...(config.osUser ? { os_user: config.osUser } : {}) };
      if (live) {
        const code = await ask(io, `TOTP code for ${who} (from your phone): `);
        if (!/^\d{6}$/.test(code)) {
          writeError(io, 'phoenix approve: not approved; a code is 6 digits');
          return EXIT.failure;
        }
        proof = (shown) => ({ method: 'TOTP', operator: who, mac: presenceMac(code, presenceMessage(...decisionAct(intentId, 'APPROVE', shown))) });
      }
      const outcome = await appendDecision(
        { log, clock: systemClock, ids: uuidV7Ids, hostId: `${config.PHOENIX_HOST_ID}-cli`, mode: config.mode },
        { intentId, decision: 'APPROVE', decidedBy: who, channel: 'TERMINAL', proof },
      );
      const code = report(io, 'approve', outcome);
      if (!live || !outcome.ok) return code;
      return reportAnswer(io, await hostAnswer(log, outcome.bead.stream, outcome.bead.bead_id, 15_000));
    });
  },
};
