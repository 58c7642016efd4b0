import type { AlertType, RunbookId } from '../../actors/notify/alertTypes.ts';
import { COMPONENTS, type Component } from '../../machines/promotionSweeps.ts';
import type { DeskOptions, ScratchDesk } from './desk.ts';
import type { Judge } from './judge.ts';

/** The parts of the desk a vector exercises (one home: machines/promotionSweeps.ts, which the promotion machine reads too). */
export { COMPONENTS, type Component };

/**
 * The alert types a vector's fault must raise, and those it must not: the
 * ground truth for the Phase-2 alert precision and recall (S11). After the
 * vector, its scratch log's RAISED alerts are counted against it and kept on
 * its BUNNY bead; a declared type raised is a true positive, one missing a
 * false negative, a forbidden one raised a false positive.
 */
export interface AlertDeclaration {
  raise: readonly AlertType[];
  notRaise: readonly AlertType[];
}

/**
 * One chaos vector (S10): what it injects, what must hold, and how it
 * judges from evidence. `run` sets the fault up on its scratch desk and
 * records checks on the judge; whatever it cannot see is a FAIL.
 */
export interface Vector {
  id: string;
  wave: number;
  /** A few words for the progress line and the report. */
  title: string;
  inject: string;
  expect: string;
  /** The runbook an operator reads when this vector fails. */
  runbook: RunbookId;
  /** What the fault must and must not raise (alert precision and recall). */
  alerts: AlertDeclaration;
  /** How the desk is set up: TIME_SCALE and any setting of the vector's own. */
  desk: DeskOptions;
  /** The vector's own deadline, all waits included. */
  budgetMs: number;
  /** Runs on a desk bunny opens itself (false: the vector builds its own, as the EventStoreDB and full-disk ones do). */
  opensDesk?: boolean;
  run(desk: ScratchDesk, judge: Judge, ctx: VectorContext): Promise<void>;
}

export interface VectorContext {
  /** The vector's scratch home (its desk's PHOENIX_HOME). */
  home: string;
  /** --with KEY=VALUE: settings laid over the vector's own, for the scratch host. */
  settings: Record<string, string>;
  /** A vector that opens its own desk hands it over here, so its alerts are counted like any other's. */
  observe?(desk: ScratchDesk): void;
}

/** S10's seed table, in order; the further faults follow. */
export const SEED_COUNT = 15;
