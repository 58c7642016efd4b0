import { createHash } from 'node:crypto';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BeadDraft,
  type BeadOf,
  type Clock,
  type IdSource,
  type Intent,
  type Mode,
  type Pair,
  streams,
} from '../../beads/index.ts';
import { foldAllIntents, intentRecord } from '../../projections/intents.ts';
import type { EventLog, LogEntry } from '../../store/port.ts';
import type { Logger } from '../../runtime/logger.ts';
import { claimName, nameProblem } from './fileNames.ts';
import { freeName, type IntentFolders, placeFile } from './folders.ts';
import { type IntentJudgement, judgeIntentBytes } from './judgeIntent.ts';
import { readIntentFile } from './readIntentFile.ts';
import { renderIntentResponse, writeResponse } from './responseFile.ts';

/** Called once a READY intent is recorded; after a crash it may be called again for the same id. */
export type ReadyIntentHandler = (intent: Intent, bead: BeadOf<'INTENT'>) => void | Promise<void>;

export interface IntentOutcome {
  bead: BeadOf<'INTENT'>;
  /** Where the file went, relative to PHOENIX_HOME: `intents/processed/x.yaml` or `intents/rejected/x.yaml`. */
  movedTo: string;
}

export interface IntentSeamDeps {
  homeDir: string;
  folders: IntentFolders;
  activePairs: readonly Pair[];
  log: EventLog;
  clock: Clock;
  ids: IdSource;
  hostId: string;
  mode: Mode;
  logger: Logger;
  maxBytes: number;
  onReadyIntent?: ReadyIntentHandler;
  onOutcome?: (outcome: IntentOutcome) => void;
}

/** `retry`: the file stays in incoming/ under its claim name and the next pass tries again. */
export type FileResult = { kind: 'done'; outcome: IntentOutcome } | { kind: 'skipped' } | { kind: 'retry'; why: string };

/**
 * Takes one new file: renames it to a claim name that carries the bead id it
 * will be recorded under, then processes it. The claim is what makes a crash
 * harmless: a retried append with the same bead id is a no-op, and a bead
 * already in the log is finished rather than judged a duplicate of itself.
 */
export async function claimAndProcess(deps: IntentSeamDeps, name: string): Promise<FileResult> {
  const beadId = deps.ids.next();
  const claimed = claimName(beadId, name);
  try {
    await rename(join(deps.folders.incoming, name), join(deps.folders.incoming, claimed));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'skipped' };
    return { kind: 'retry', why: `cannot claim: ${(err as Error).message}` };
  }
  return processClaimed(deps, claimed, beadId, name);
}

/** Processes a claimed file: judge, record (bead first), then respond and move. */
export async function processClaimed(deps: IntentSeamDeps, claimed: string, beadId: string, original: string): Promise<FileResult> {
  const path = join(deps.folders.incoming, claimed);
  // The claim name is safe whatever the original was, so even a badly named file is read (for its hash).
  const read = await readIntentFile(path, deps.maxBytes);
  if (read.kind === 'gone') return { kind: 'skipped' };
  const contentHash = read.contentHash;
  const problem = nameProblem(original);
  let judgement: IntentJudgement;
  // A badly named file is not parsed: its name alone decides.
  if (problem !== undefined) judgement = { ok: false, reasons: [problem] };
  else if (read.kind === 'read') judgement = judgeIntentBytes(read.bytes, deps.activePairs, { nowMs: deps.clock.now() });
  else judgement = { ok: false, reasons: [read.reason] };

  const intentId = judgement.ok ? judgement.intent.intent_id : judgement.intentId;
  const stream = intentId !== undefined ? streams.intent(intentId) : rejectedStream(contentHash, original);
  let entries: LogEntry[];
  try {
    entries = await deps.log.readStream(stream);
  } catch (err) {
    return { kind: 'retry', why: `cannot read ${stream}: ${(err as Error).message}` };
  }
  const beads = entries.flatMap((e) => (e.kind === 'bead' ? [e.bead] : []));
  const recorded = beads.find((b) => b.bead_id === beadId);
  if (recorded?.bead_type === 'INTENT') return finish(deps, recorded, path, original);

  if (judgement.ok) {
    const earlier = intentRecord(foldAllIntents(beads), judgement.intent.intent_id);
    if (earlier?.outcome === 'ACCEPTED') {
      judgement = {
        ok: false,
        intentId: judgement.intent.intent_id,
        reasons: [`duplicate intent_id ${judgement.intent.intent_id}: already accepted from ${earlier.source_file} (bead ${earlier.bead_id})`],
      };
    }
  }
  const draft = intentDraft(judgement, stream, original, contentHash, intentId ?? deps.ids.next());
  const writer = new BeadWriter(deps);
  const bead = writer.stamp(draft, undefined, beadId) as BeadOf<'INTENT'>;
  const last = entries[entries.length - 1];
  try {
    // The expected revision makes the duplicate check and the append one step.
    await writer.appendStamped([bead], last === undefined ? 'no_stream' : last.revision);
  } catch (err) {
    return { kind: 'retry', why: `cannot record the INTENT bead: ${(err as Error).message}` };
  }
  return finish(deps, bead, path, original);
}

function rejectedStream(contentHash: string | undefined, name: string): string {
  const key = contentHash ?? createHash('sha256').update(`name:${name}`).digest('hex');
  return `intent-rejected-${key.slice(0, 16)}`;
}

function intentDraft(
  judgement: IntentJudgement,
  stream: string,
  sourceFile: string,
  contentHash: string | undefined,
  correlationId: string,
): BeadDraft {
  if (judgement.ok) {
    return {
      bead_type: 'INTENT',
      stream,
      correlation_id: correlationId,
      data: { outcome: 'ACCEPTED', intent: judgement.intent, source_file: sourceFile, content_hash: contentHash ?? '' },
    };
  }
  return {
    bead_type: 'INTENT',
    stream,
    correlation_id: correlationId,
    data: {
      outcome: 'REJECTED',
      source_file: sourceFile,
      reasons: judgement.reasons,
      ...(judgement.intentId === undefined ? {} : { intent_id: judgement.intentId }),
      ...(contentHash === undefined ? {} : { content_hash: contentHash }),
    },
  };
}

/**
 * The side effects after the bead is in the log. response.md comes before the
 * READY callback because the approval flow later rewrites the same file with
 * its evidence; the callback comes before the move so a crash re-delivers it.
 */
async function finish(deps: IntentSeamDeps, bead: BeadOf<'INTENT'>, path: string, original: string): Promise<FileResult> {
  const accepted = bead.data.outcome === 'ACCEPTED';
  const folderName = accepted ? 'processed' : 'rejected';
  const folder = accepted ? deps.folders.processed : deps.folders.rejected;
  try {
    const finalName = await freeName(folder, original);
    const outcome: IntentOutcome = { bead, movedTo: `intents/${folderName}/${finalName}` };
    try {
      await writeResponse(deps.homeDir, renderIntentResponse(bead, { movedTo: outcome.movedTo }));
    } catch (err) {
      deps.logger.warn({ err, intent_file: original }, 'could not write response.md');
    }
    if (bead.data.outcome === 'ACCEPTED' && bead.data.intent.signal === 'READY' && deps.onReadyIntent) {
      try {
        await deps.onReadyIntent(bead.data.intent as Intent, bead);
      } catch (err) {
        deps.logger.error({ err, intent_id: bead.correlation_id }, 'the READY intent handler failed');
      }
    }
    await placeFile(path, folder, finalName, bead.data.outcome === 'REJECTED' ? reasonText(bead, original) : undefined);
    notifyOutcome(deps, outcome);
    return { kind: 'done', outcome };
  } catch (err) {
    return { kind: 'retry', why: `recorded, but cannot move the file: ${(err as Error).message}` };
  }
}

function notifyOutcome(deps: IntentSeamDeps, outcome: IntentOutcome): void {
  try {
    deps.onOutcome?.(outcome);
  } catch (err) {
    deps.logger.error({ err, stream: outcome.bead.stream }, 'the intent outcome listener failed');
  }
}

function reasonText(bead: BeadOf<'INTENT'>, original: string): string {
  const reasons = bead.data.outcome === 'REJECTED' ? bead.data.reasons : [];
  return [
    `${JSON.stringify(original)} was refused at ${bead.ts}:`,
    ...reasons.map((r) => `- ${r}`),
    '',
    `INTENT bead ${bead.bead_id} on stream ${bead.stream}`,
    '',
  ].join('\n');
}
