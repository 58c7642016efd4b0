import type { RunbookId } from '../../actors/notify/alertTypes.ts';
import type { DeskOptions, ScratchDesk } from './desk.ts';
import type { Judge } from './judge.ts';

/** The parts of the desk a vector exercises; `phoenix bunny --sweep COMPONENT` runs a component's vectors. */
export const COMPONENTS = ['broker', 'monitor', 'notify', 'approval', 'flow', 'config'] as const;
export type Component = (typeof COMPONENTS)[number];

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
}

/** S10's seed table, in order; the further faults follow. */
export const SEED_COUNT = 15;
