import type { Bead } from '../beads/index.ts';
import { emptyApprovalsView, foldApprovals } from '../projections/approvals.ts';
import { emptyAutopsySummary, foldAutopsy } from '../projections/autopsy.ts';
import { applyBead, initialDashboard, noteCorrupt } from '../projections/dashboardModel.ts';
import { foldGates, initialGates } from '../projections/gates.ts';
import { emptyIntentsView, foldIntents } from '../projections/intents.ts';
import { emptyPositionsView, foldPositions } from '../projections/positions.ts';
import { foldWorkingOrders, type WorkingOrders } from '../projections/reconciliation.ts';
import { emptySemanticView, foldSemantic } from '../projections/semanticChecks.ts';
import type { LogEntry } from '../store/port.ts';

/**
 * A projection as replay sees it (S1: every view is a pure fold over the
 * log). Method syntax on purpose: it lets projections with different state
 * types sit in one list.
 */
export interface Projection<S> {
  readonly name: string;
  init(): S;
  apply(state: S, entry: LogEntry): S;
}

/** A projection over beads only: unreadable records are the dashboard's business. */
function beadFold<S>(name: string, init: () => S, fold: (state: S, bead: Bead) => S): Projection<S> {
  return { name, init, apply: (state, entry) => (entry.kind === 'bead' ? fold(state, entry.bead) : state) };
}

/**
 * Every projection a replay folds through (B2: "all projections"). A new
 * projection is added here, and B2 measures it with no other change.
 */
export const ALL_PROJECTIONS: readonly Projection<unknown>[] = [
  {
    name: 'dashboard',
    init: () => initialDashboard(),
    apply: (model: ReturnType<typeof initialDashboard>, entry: LogEntry) =>
      entry.kind === 'bead' ? applyBead(model, entry.bead, entry.position) : noteCorrupt(model, entry.position, entry.reason),
  } as Projection<unknown>,
  beadFold('semantic', emptySemanticView, foldSemantic) as Projection<unknown>,
  beadFold('intents', emptyIntentsView, foldIntents) as Projection<unknown>,
  beadFold('approvals', emptyApprovalsView, foldApprovals) as Projection<unknown>,
  beadFold('autopsy', emptyAutopsySummary, foldAutopsy) as Projection<unknown>,
  // What the running trade flow folds (FlowViews), and the host dashboard's gates.
  beadFold('gates', initialGates, foldGates) as Projection<unknown>,
  beadFold('positions', emptyPositionsView, foldPositions) as Projection<unknown>,
  beadFold('working orders', (): WorkingOrders => new Map(), foldWorkingOrders) as Projection<unknown>,
];

export interface FoldResult {
  entries: number;
  states: Map<string, unknown>;
}

/** Reads the whole source once and folds every entry through every projection. */
export async function foldAll(
  source: AsyncIterable<LogEntry>,
  projections: readonly Projection<unknown>[] = ALL_PROJECTIONS,
): Promise<FoldResult> {
  const states = projections.map((p) => p.init());
  let entries = 0;
  for await (const entry of source) {
    for (let i = 0; i < projections.length; i++) states[i] = projections[i]!.apply(states[i], entry);
    entries += 1;
  }
  return { entries, states: new Map(projections.map((p, i) => [p.name, states[i]])) };
}
