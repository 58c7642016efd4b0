import { loadConfig } from '../../runtime/config/load.ts';
import { computeGates, RUNBOOKS_DIR } from '../../actors/gates/computeGates.ts';
import { runbookInputs } from '../../actors/gates/runbookInputs.ts';
import { chainKeyPath, loadChainKey } from '../../runtime/chain/chainKey.ts';
import { liveGateOnChainedEvidence } from '../../runtime/chain/liveGate.ts';
import { PAPER_FIRST_GATES } from '../../projections/liveGate.ts';
import type { EventLog } from '../../store/port.ts';
import { standingOptions } from '../../actors/promotion/promotionActor.ts';
import { readStanding } from '../../actors/promotion/readStanding.ts';
import { systemClock } from '../../runtime/clock.ts';
import { type GateResult, paperGatesHold } from '../../projections/gates.ts';
import { type Command, EXIT, parseCommandArgs, UsageError, writeLine } from '../command.ts';
import { openLogToRead } from '../readLog.ts';
import { paintFor } from '../terminal.ts';
import { confirmUx, UX_LOG_FILE } from './gatesConfirmUx.ts';
import { phase2Lines } from './promoteStatus.ts';

const HELP = `Usage: phoenix gates [--json] [--runbooks DIR]
       phoenix gates --phase 2 [--json]
       phoenix gates confirm-ux --note TEXT [--as NAME] [--json]

Computes the S11 phase-1 gates from the log and prints each with its status
(MET or NOT_MET), what it is based on, and the beads that prove it. Nothing
is self-declared: a gate is MET only when the log shows it. Whether live may
start is judged as the host judges it: on evidence a host sealed into its
chain, checked with PHOENIX_HOME/chain.key (issue 17).

  P1-1 IBKR_PAPER_CONNECTED  an IBKR_SESSION CONNECT in PAPER
  P1-2 PAPER_ROUND_TRIP      a paper position SUBMITTED → FILLED → CLOSED
  P1-3 PAPER_VOLUME          3+ paper positions CLOSED across 2+ host sessions
  P1-4 MONITORING_OPERATIONAL  10 heartbeats 30 ± 5 s apart, a test alert sent
  P1-5 RUNBOOKS_COMPLETE     every runbook present, an RB-004 drill PASSED
  P1-6 DISCONNECT_DRILL      DISCONNECT → RECONNECT → CONNECT in PAPER
  P1-7 UX_VALIDATED          the operator's confirm-ux, and every paper approval
                             flow (intent file seen → entry order sent) under 30 s
  P1-8 BUNNY_PHASE1_PASSES   all 15 seed vectors PASS in the latest full bunny run
                             (phoenix bunny; a --vector, --wave or --sweep run does not count)

--phase 2 computes the Phase-2 ops quality over the validation window (the
last PROMOTION_WINDOW_DAYS, time-scaled), each figure with its evidence:

  P2-1 DRIFT_FREE        reconciliation DRIFT events = 0
  P2-2 ALERT_PRECISION   > 80%, ground truth from bunny vectors' declared
                         alerts and operators' labels (phoenix alerts label)
  P2-3 ALERT_RECALL      > 90%, the same ground truth
  P2-4 E2E_LATENCY       median intent file seen → entry acknowledged < 30 s
  P2-5 DAEMON_UPTIME     > 99% of the window covered by a live host's
                         heartbeats (watchdog MISSED beads count against it)

Promotion (phoenix promote --status) needs them all met for LIVE_ELIGIBLE.

confirm-ux records your confirmation that the approval flow works for you
(a UX_CONFIRMATION bead, as NAME: --as, else PHOENIX_OPERATOR, else your OS
user) with the paper flows the log has timed, and writes them with your note
to PHOENIX_HOME/reports/${UX_LOG_FILE}. It refuses (exit 1) while no paper
approval flow is in the log.

Options:
  --json           one JSON document: the gates and whether live may start
  --phase N        1 (the default) or 2: the Phase-2 ops quality
  --runbooks DIR   the runbooks folder (default: the one shipped with Phoenix)
  --note TEXT      confirm-ux: what you checked, in your words (required)
  --as NAME        confirm-ux: who confirms

Exit code 0 whatever the gates say; 1 when confirm-ux has nothing to confirm;
2 for usage.`;

interface SealedVerdict {
  holds: boolean;
  /** Why not, in words; or how much was left out. */
  why: string;
  left_out: number;
}

/**
 * The paper gates as the host's live start judges them (issue 17): on
 * evidence a host sealed, tied to the paper account's executions, checked
 * with the host's chain key. Without the key nothing can be proven.
 */
async function gatesOnSealedEvidence(log: EventLog, config: ReturnType<typeof loadConfig>, runbooksDir: string, withPromotion = false): Promise<SealedVerdict> {
  let key: Buffer | undefined;
  try {
    key = loadChainKey(config.homeDir, { create: false });
  } catch (err) {
    return { holds: false, why: (err as Error).message, left_out: 0 };
  }
  if (!key) return { holds: false, why: `no chain key at ${chainKeyPath(config.homeDir)} to prove any of it with`, left_out: 0 };
  // With the promotion: the live gate in full, promotion at LIVE_ACTIVE on sealed transitions only.
  const gate = await liveGateOnChainedEvidence(log, key, { runbooks: runbookInputs(runbooksDir) }, withPromotion ? { windowMs: standingOptions(config).windowMs } : undefined);
  const notMet = gate.gates.filter((g) => PAPER_FIRST_GATES.includes(g.id as (typeof PAPER_FIRST_GATES)[number]) && g.status !== 'MET').map((g) => g.id);
  const missing = gate.live ? gate.live.missing.join('; ') : `${notMet.join(', ')} ${notMet.length === 1 ? 'is' : 'are'} not MET`;
  return { holds: gate.holds, why: gate.holds ? `${gate.leftOut} unsealed or untied bead(s) left out` : `on sealed evidence ${missing}; ${gate.leftOut} bead(s) left out`, left_out: gate.leftOut };
}

function table(gates: readonly GateResult[], paint: ReturnType<typeof paintFor>): string[] {
  const lines = gates.flatMap((g) => {
    const word = g.status.padEnd(8);
    const head = `${g.id}  ${g.name.padEnd(22)} ${g.status === 'MET' ? paint.good(word) : g.failing ? paint.bad(word) : word} ${g.detail}`;
    return g.evidence.length === 0 ? [head] : [head, `${' '.repeat(40)}evidence: ${g.evidence.slice(0, 6).join(', ')}${g.evidence.length > 6 ? `, … (${g.evidence.length})` : ''}`];
  });
  return lines;
}

export const gatesCommand: Command = {
  name: 'gates',
  summary: 'the S11 gates, computed from the log: phase 1, and the Phase-2 ops quality (--phase 2)',
  help: HELP,
  readOnly: true,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, runbooks: { type: 'string' }, note: { type: 'string' }, as: { type: 'string' }, phase: { type: 'string' } }, true);
    if (values.phase !== undefined && values.phase !== '1' && values.phase !== '2') throw new UsageError(`--phase must be 1 or 2 (got ${JSON.stringify(values.phase)})`);
    if (values.phase !== undefined && positionals.length > 0) throw new UsageError('--phase goes with phoenix gates, not confirm-ux');
    const [sub, ...extra] = positionals;
    if (sub !== undefined && sub !== 'confirm-ux') throw new UsageError(`unknown argument ${JSON.stringify(sub)}; the only subcommand is confirm-ux`);
    if (extra.length > 0) throw new UsageError(`unexpected ${JSON.stringify(extra.join(' '))}; put the note in --note "TEXT"`);
    const config = loadConfig(io.env, io.cwd);
    if (sub === 'confirm-ux') {
      if (values.runbooks !== undefined) throw new UsageError('--runbooks goes with phoenix gates, not confirm-ux');
      return confirmUx(values, config, io);
    }
    if (values.note !== undefined || values.as !== undefined) throw new UsageError('--note and --as go with phoenix gates confirm-ux');
    if (values.phase === '2') return phase2(config, values, io);
    const log = await openLogToRead(config);
    const runbooksDir = values.runbooks ?? RUNBOOKS_DIR;
    let result: Awaited<ReturnType<typeof computeGates>>;
    let sealed: SealedVerdict;
    try {
      result = await computeGates(log, runbooksDir);
      sealed = await gatesOnSealedEvidence(log, config, runbooksDir);
    } finally {
      await log.close();
    }
    const { gates, unreadable } = result;
    const liveMayStart = paperGatesHold(gates) && sealed.holds;
    if (values.json) {
      writeLine(io.stdout, JSON.stringify({ gates, live_may_start: liveMayStart, sealed_evidence: sealed, unreadable_records: unreadable }));
      return EXIT.ok;
    }
    for (const line of table(gates, paintFor(io.stdout, io.env))) writeLine(io.stdout, line);
    writeLine(io.stdout);
    writeLine(io.stdout, liveMayStart ? 'Live may start: P1-1…P1-6 and P1-8 are MET on paper, on evidence the host sealed.' : paperGatesHold(gates) ? `Live may not start: P1-1…P1-6 and P1-8 are MET only on beads no host sealed (${sealed.why}); the live gate counts sealed evidence only (issue 17).` : 'Live may not start: P1-1…P1-6 and P1-8 must all be MET on paper (INV-IBKR-PAPER-FIRST-1).');
    if (unreadable > 0) writeLine(io.stderr, `phoenix gates: ${unreadable} unreadable records were skipped (see phoenix replay)`);
    return EXIT.ok;
  },
};

async function phase2(config: ReturnType<typeof loadConfig>, values: { json?: boolean; runbooks?: string }, io: Parameters<Command['run']>[1]): Promise<number> {
  const log = await openLogToRead(config);
  const runbooksDir = values.runbooks ?? RUNBOOKS_DIR;
  let standing: Awaited<ReturnType<typeof readStanding>>;
  let sealed: SealedVerdict;
  try {
    standing = await readStanding(log, config, systemClock.now(), runbooksDir);
    sealed = await gatesOnSealedEvidence(log, config, runbooksDir, true);
  } finally {
    await log.close();
  }
  const window = { from: new Date(standing.window.from).toISOString(), to: new Date(standing.window.to).toISOString() };
  if (values.json) {
    writeLine(io.stdout, JSON.stringify({ phase: 2, window, gates: standing.phase2, ops_quality_met: standing.facts.ops.met, promotion: standing.promotion.state, live_may_start: standing.live.open && sealed.holds, sealed_evidence: sealed, unreadable_records: standing.unreadable }));
    return EXIT.ok;
  }
  for (const line of phase2Lines(standing, paintFor(io.stdout, io.env))) writeLine(io.stdout, line);
  writeLine(io.stdout);
  writeLine(io.stdout, standing.facts.ops.met ? 'Ops quality MET over the window.' : `Ops quality NOT_MET: ${standing.phase2.filter((g) => g.status !== 'MET').map((g) => g.id).join(', ')} (phoenix promote --status for the whole standing).`);
  if (standing.unreadable > 0) writeLine(io.stderr, `phoenix gates: ${standing.unreadable} unreadable records were skipped (see phoenix replay)`);
  return EXIT.ok;
}
