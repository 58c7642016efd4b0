import { BEAD_TYPES, type Bead, type BeadType } from '../beads/index.ts';
import { APPROVALS_READS, emptyApprovalsView, foldApprovals } from '../projections/approvals.ts';
import { AUTOPSY_READS, emptyAutopsySummary, foldAutopsy } from '../projections/autopsy.ts';
import { applyBead, initialDashboard, noteCorrupt } from '../projections/dashboardModel.ts';
import { foldGates, GATES_READS, initialGates } from '../projections/gates.ts';
import { emptyIntentsView, foldIntents, INTENTS_READS } from '../projections/intents.ts';
import { emptyPositionsView, foldPositions, POSITIONS_READS } from '../projections/positions.ts';
import { foldWorkingOrders, WORKING_ORDERS_READS, type WorkingOrders } from '../projections/reconciliation.ts';
import { emptySemanticView, foldSemantic, SEMANTIC_READS } from '../projections/semanticChecks.ts';
import type { LogEntry } from '../store/port.ts';

/**
 * A projection as replay sees it (S1: every view is a pure fold over the
 * log). Method syntax on purpose: it lets projections with different state
 * types sit in one list.
 */
export interface Projection<S> {
  readonly name: string;
  /**
   * The bead types its fold reads: a replay hands it no other entry. Absent,
   * it is handed every entry, unreadable records included.
   */
  readonly reads?: readonly BeadType[];
  init(): S;
  apply(state: S, entry: LogEntry): S;
}

/** A projection over some bead types only: unreadable records are the dashboard's business. */
function beadFold<S>(name: string, reads: readonly BeadType[], init: () => S, fold: (state: S, bead: Bead) => S): Projection<S> {
  return { name, reads, init, apply: (state, entry) => (entry.kind === 'bead' ? fold(state, entry.bead) : state) };
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
  beadFold('semantic', SEMANTIC_READS, emptySemanticView, foldSemantic) as Projection<unknown>,
  beadFold('intents', INTENTS_READS, emptyIntentsView, foldIntents) as Projection<unknown>,
  beadFold('approvals', APPROVALS_READS, emptyApprovalsView, foldApprovals) as Projection<unknown>,
  beadFold('autopsy', AUTOPSY_READS, emptyAutopsySummary, foldAutopsy) as Projection<unknown>,
  // What the running trade flow folds (FlowViews), and the host dashboard's gates.
  beadFold('gates', GATES_READS, initialGates, foldGates) as Projection<unknown>,
  beadFold('positions', POSITIONS_READS, emptyPositionsView, foldPositions) as Projection<unknown>,
  beadFold('working orders', WORKING_ORDERS_READS, (): WorkingOrders => new Map(), foldWorkingOrders) as Projection<unknown>,
];

export interface FoldResult {
  entries: number;
  states: Map<string, unknown>;
}

/**
 * Which projections each entry goes to (indices into the list), by bead
 * type, worked out once per replay: most beads are heartbeats, which two of
 * the eight folds read, and a call that only hands its state back is most of
 * a cheap fold's cost.
 */
function routesOf(projections: readonly Projection<unknown>[]): (entry: LogEntry) => readonly number[] {
  const indicesWhere = (test: (p: Projection<unknown>) => boolean) => projections.flatMap((p, i) => (test(p) ? [i] : []));
  const everyEntry = indicesWhere((p) => p.reads === undefined);
  const all = indicesWhere(() => true);
  const byType = new Map<string, readonly number[]>(BEAD_TYPES.map((t) => [t, indicesWhere((p) => p.reads === undefined || p.reads.includes(t))]));
  return (entry) => (entry.kind === 'bead' ? (byType.get(entry.bead.bead_type) ?? all) : everyEntry);
}

/** Reads the whole source once and folds every entry through every projection that reads it. */
export async function foldAll(
  source: AsyncIterable<LogEntry>,
  projections: readonly Projection<unknown>[] = ALL_PROJECTIONS,
): Promise<FoldResult> {
  const states = projections.map((p) => p.init());
  const routeOf = routesOf(projections);
  let entries = 0;
  for await (const entry of source) {
    const route = routeOf(entry);
    for (let k = 0; k < route.length; k++) {
      const i = route[k]!;
      states[i] = projections[i]!.apply(states[i], entry);
    }
    entries += 1;
  }
  return { entries, states: new Map(projections.map((p, i) => [p.name, states[i]])) };
}
