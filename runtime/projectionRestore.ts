import { deserialize, serialize } from 'node:v8';
import type { AnyFold } from '../projections/fold.ts';
import type { EventLog, LogEntry, LogPosition } from '../store/port.ts';
import type { Checkpoint, CheckpointAnchor, CheckpointStore, SavedFold } from './projectionCheckpoint.ts';

/**
 * Turning the engine's fold states into a checkpoint and back. A checkpoint
 * is used only when everything about it holds: its MAC (checked by the
 * store), the build and the log it came from, and its last bead still in
 * the log at the same place; then each fold is taken from it only if its
 * version matches and its state reads back. Anything else is a full replay of
 * that fold (or of all of them), with the reason, never an error: the log is
 * the truth and is always there to fold again.
 */

export interface FoldSlot {
  readonly fold: AnyFold;
  state: unknown;
  /** Entries at or before this position are already in the state (loaded from a checkpoint). */
  coveredTo: number;
}

export interface Restored {
  /** The checkpoint's position when at least one fold was taken from it. */
  position: LogPosition | undefined;
  /** Folds taken from it, and folds replayed with the reason. */
  loaded: string[];
  replayed: { fold: string; why: string }[];
  /** Why the checkpoint as a whole was not used, if it was not. */
  why?: string;
}

export interface RestoreContext {
  log: Pick<EventLog, 'readStream' | 'name'>;
  codeVersion: string;
}

async function anchorHolds(log: Pick<EventLog, 'readStream'>, anchor: CheckpointAnchor): Promise<string | undefined> {
  let entries: LogEntry[];
  try {
    entries = await log.readStream(anchor.stream, { from: anchor.revision, limit: 1 });
  } catch (err) {
    return `its last bead could not be looked up (${(err as Error).message})`;
  }
  const found = entries[0];
  if (!found) return `the log has no bead at ${anchor.stream}@${anchor.revision} (position ${anchor.position}): the checkpoint is ahead of the log, or the log was replaced`;
  if (found.position !== anchor.position || found.kind !== 'bead' || found.bead.bead_id !== anchor.beadId) {
    return `the log holds something else at position ${anchor.position} than bead ${anchor.beadId}: the log was replaced or rewritten under it`;
  }
  return undefined;
}

async function wholeCheckpointProblem(c: Checkpoint, ctx: RestoreContext): Promise<string | undefined> {
  if (c.logName !== ctx.log.name) return `it was saved from a ${c.logName} log, and this log is ${ctx.log.name}`;
  if (c.codeVersion !== ctx.codeVersion) return `it was saved by build ${c.codeVersion}, and this is ${ctx.codeVersion}`;
  if (!c.anchor) return 'it names no bead to check it against';
  return anchorHolds(ctx.log, c.anchor);
}

function foldFrom(slot: FoldSlot, saved: SavedFold | undefined): string | undefined {
  if (!saved) return 'not in the checkpoint';
  if (saved.version !== slot.fold.version) return `saved as version ${saved.version}, this fold is version ${slot.fold.version}`;
  try {
    const value: unknown = deserialize(saved.data);
    slot.state = slot.fold.load ? slot.fold.load(value) : value;
  } catch (err) {
    slot.state = slot.fold.init();
    return `its state does not read back (${(err as Error).message})`;
  }
  return undefined;
}

/** Loads what it can of the store's checkpoint into the slots; every slot it does not fill starts from init() and is replayed. */
export async function restoreSlots(slots: readonly FoldSlot[], store: CheckpointStore | undefined, ctx: RestoreContext): Promise<Restored> {
  const all = (why: string): Restored => ({ position: undefined, loaded: [], replayed: slots.map((s) => ({ fold: s.fold.name, why })), why });
  if (!store) return all('no checkpoint store');
  const result = await store.load();
  if (!result.ok) return all(result.why);
  const c = result.checkpoint;
  const problem = await wholeCheckpointProblem(c, ctx);
  if (problem) return all(`checkpoint not used: ${problem}`);
  const byName = new Map(c.folds.map((f) => [f.name, f]));
  const restored: Restored = { position: c.position, loaded: [], replayed: [] };
  for (const slot of slots) {
    const why = foldFrom(slot, byName.get(slot.fold.name));
    if (why === undefined) {
      slot.coveredTo = c.position;
      restored.loaded.push(slot.fold.name);
    } else restored.replayed.push({ fold: slot.fold.name, why });
  }
  if (restored.loaded.length === 0) restored.position = undefined;
  return restored;
}

/** The slots' states as a checkpoint at `position`; a state that cannot be serialised is left out (that fold replays next time) and reported. */
export function checkpointOf(slots: readonly FoldSlot[], at: { position: LogPosition; anchor: CheckpointAnchor; logName: string; codeVersion: string; now: number }, onLeftOut: (fold: string, err: Error) => void): Checkpoint {
  const folds: SavedFold[] = [];
  for (const slot of slots) {
    try {
      folds.push({ name: slot.fold.name, version: slot.fold.version, data: serialize(slot.fold.save ? slot.fold.save(slot.state) : slot.state) });
    } catch (err) {
      onLeftOut(slot.fold.name, err as Error);
    }
  }
  return { position: at.position, anchor: at.anchor, codeVersion: at.codeVersion, logName: at.logName, savedAt: at.now, folds };
}
