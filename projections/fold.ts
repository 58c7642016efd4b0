import type { Bead, BeadType } from '../beads/index.ts';

/**
 * A projection as the host's projection engine runs it
 * (runtime/projectionEngine.ts) and a replay folds it (bench/foldAll.ts): a
 * pure fold with a name, the bead types it reads, and, because the engine
 * checkpoints its state (S2: a cache, never the truth), a version and a way
 * to turn its state into plain data and back. Method syntax on purpose: it
 * lets folds with different state types sit in one list.
 */
export interface Fold<S> {
  /** One per host: the engine keys checkpoints by it, and a second fold of the same name shares the first's state. */
  readonly name: string;
  /**
   * Changes whenever the state's shape or meaning changes, and carries any
   * parameter the state depends on (a window, a gap): a checkpoint saved
   * under another version is not loaded; that fold is replayed from the start.
   */
  readonly version: string;
  /** The bead types `apply` reads: the engine hands it no other. Absent: every bead. */
  readonly reads?: readonly BeadType[];
  init(): S;
  /** The fold itself, called directly per bead (a wrapper would be a second call per bead). `tag`: the seal its row carries, if any (the live gate's fold checks it). */
  apply(state: S, bead: Bead, position: number, tag?: string): S;
  /** A stored record that could not be decoded; folds without it never see one. */
  corrupt?(state: S, position: number, reason: string): S;
  /** The state as data the structured-clone algorithm keeps (plain objects, arrays, Maps, Sets); absent: the state itself. */
  save?(state: S): unknown;
  /** The state back from what `save` gave; absent: that value is the state. */
  load?(saved: unknown): S;
}

/** A fold of any state, as a list of folds holds it. */
export type AnyFold = Fold<unknown>;

export const anyFold = <S>(f: Fold<S>): AnyFold => f as unknown as AnyFold;

/** Where folds are registered (the projection engine): a fold of a name already there is that one. */
export interface FoldRegistry {
  fold<S>(fold: Fold<S>): { readonly state: S };
}
