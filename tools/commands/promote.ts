import { readStanding } from '../../actors/promotion/readStanding.ts';
import { type BeadData, type BeadOf, streams } from '../../beads/index.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { verifyOperatorCode } from '../../runtime/operators/presence.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { openEventLog } from '../../store/open.ts';
import { type Command, EXIT, parseCommandArgs, UsageError, writeError, writeLine } from '../command.ts';
import { openLogToRead } from '../readLog.ts';
import { paintFor } from '../terminal.ts';
import { ask } from './approve.ts';
import { operatorOf, requiredReason } from './operator.ts';
import { standingJson, standingLines } from './promoteStatus.ts';
import { liveGateOnDisk } from '../liveGateOnDisk.ts';

const HELP = `Usage: phoenix promote --status [--json]
       phoenix promote --live --reason TEXT [--as NAME] [--code CODE]

The promotion of the desk (S3.6, S11): SHADOW → PAPER_VALIDATED (the
phase-1 gates hold on paper) → LIVE_ELIGIBLE (a validation window of
PROMOTION_WINDOW_DAYS served with no bunny failure, the Phase-2 ops quality
met, any revalidation sweep passed) → LIVE_ACTIVE, only by a person's
recorded decision. A bunny failure restarts the window; any parameter change
(phoenix config set, or a hand edit found at start) sends the desk back to
SHADOW and starts a bunny sweep.

--status shows where the desk stands and what is still missing, from the log.

--live records your decision to promote a LIVE_ELIGIBLE desk (a PROMOTION
DECISION bead: who, why, and how you proved it); 'phoenix run' in live mode
starts only once promotion is LIVE_ACTIVE. Refused (exit 1), writing nothing,
when the desk is not LIVE_ELIGIBLE. With IBKR_MODE=live it needs a fresh TOTP
code from the phone you enrolled (phoenix operator enroll): typed at the
prompt, or given with --code.

Options:
  --status        where the desk stands (read-only)
  --json          --status as one JSON document
  --live          promote to LIVE_ACTIVE
  --reason TEXT   why (required with --live)
  --as NAME       who decides (default: PHOENIX_OPERATOR, else your OS user name)
  --code CODE     the TOTP code (LIVE), instead of the prompt

Exit codes: 0 shown, or promoted; 1 not LIVE_ELIGIBLE, or the code refused;
2 usage.`;

export const promoteCommand: Command = {
  name: 'promote',
  summary: 'promotion to live: where the desk stands (--status), and a person’s decision (--live)',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { status: { type: 'boolean' }, json: { type: 'boolean' }, live: { type: 'boolean' }, reason: { type: 'string' }, as: { type: 'string' }, code: { type: 'string' } },
      true,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected ${JSON.stringify(positionals.join(' '))}`);
    if (values.status === values.live) throw new UsageError('say --status (where the desk stands) or --live (promote it), one of the two');
    const config = loadConfig(io.env, io.cwd);
    if (values.status) {
      if (values.reason !== undefined || values.code !== undefined || values.as !== undefined) throw new UsageError('--reason, --as and --code go with --live');
      // Issue 17: the live gate line judged as `phoenix run` judges it, on sealed evidence only.
      const standing = await standingOnSealedEvidence(config);
      if (values.json) writeLine(io.stdout, JSON.stringify(standingJson(standing, config)));
      else for (const line of standingLines(standing, config, paintFor(io.stdout, io.env))) writeLine(io.stdout, line);
      return EXIT.ok;
    }
    if (values.json) throw new UsageError('--json goes with --status');
    const reason = requiredReason(values.reason, 'a promotion to live is a person’s decision, and says why');
    const who = operatorOf(values.as, config).id;
    const log = await openLogToRead(config);
    const before = await readStanding(log, config, systemClock.now()).finally(() => log.close());
    if (before.promotion.state !== 'LIVE_ELIGIBLE') {
      writeError(io, `phoenix promote: not promoted: the desk is ${before.promotion.state}, not LIVE_ELIGIBLE: ${before.promotion.description}`);
      writeLine(io.stderr, "See what is missing: phoenix promote --status");
      return EXIT.failure;
    }
    let proof: NonNullable<BeadData<'PROMOTION'>['proof']> = { method: 'OPERATOR', operator: who, ...(config.osUser ? { os_user: config.osUser } : {}) };
    if (config.mode === 'LIVE') {
      if (values.code === undefined && io.stdin.isTTY !== true) throw new UsageError('in LIVE, promoting needs a fresh TOTP code: give --code CODE, or run it at a terminal');
      // The single call site of the presence check (issue 17's verifyOperatorCode): the code is checked here and never written anywhere.
      const verdict = verifyOperatorCode(config.homeDir, who, values.code ?? (await ask(io, `TOTP code for ${who} (from your phone): `)), systemClock.now());
      if (!verdict.ok) {
        writeError(io, `phoenix promote: not promoted: ${verdict.why}`);
        return EXIT.failure;
      }
      proof = { method: 'TOTP', operator: who, step: verdict.step };
    } else if (values.code !== undefined) throw new UsageError(`--code is for LIVE; this desk is in ${config.mode}`);
    const bead = await recordDecision(config, { event: 'DECISION', state: 'LIVE_ELIGIBLE', decision: 'PROMOTE_LIVE', decided_by: who, reason, proof });
    const after = await standingOnSealedEvidence(config);
    writeLine(io.stdout, `Promotion decision ${bead.bead_id} recorded: ${who} promotes the desk to live (${reason}).`);
    writeLine(io.stdout, `Promotion is now ${after.promotion.state}: ${after.promotion.description}`);
    writeLine(io.stdout, after.live.open ? 'The live gate is open: phoenix run with IBKR_MODE=live and IBKR_ALLOW_LIVE=true may start.' : `The live gate is still shut: ${after.live.missing.join('; ')}`);
    return EXIT.ok;
  },
};

async function recordDecision(config: ReturnType<typeof loadConfig>, data: BeadData<'PROMOTION'>): Promise<BeadOf<'PROMOTION'>> {
  const log = await openEventLog(config);
  try {
    const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: `${config.PHOENIX_HOST_ID}-cli`, mode: config.mode });
    return (await writer.append({ bead_type: 'PROMOTION', stream: streams.promotion, correlation_id: 'promotion', data })) as BeadOf<'PROMOTION'>;
  } finally {
    await log.close();
  }
}

/** The desk's standing from one open log, its live gate judged as `phoenix run` judges it: on sealed evidence only (issue 17). */
async function standingOnSealedEvidence(config: ReturnType<typeof loadConfig>): Promise<Awaited<ReturnType<typeof readStanding>>> {
  const log = await openLogToRead(config);
  try {
    return { ...(await readStanding(log, config, systemClock.now())), live: await liveGateOnDisk(config, log) };
  } finally {
    await log.close();
  }
}
