import { BEAD_TYPES, type Bead, type BeadType } from '../beads/index.ts';
import { APPROVALS_READS, emptyApprovalsView, foldApprovals } from '../projections/approvals.ts';
import { AUTOPSY_READS, emptyAutopsySummary, foldAutopsy } from '../projections/autopsy.ts';
import { applyBead, initialDashboard, noteCorrupt } from '../projections/dashboardModel.ts';
import { foldGates, GATES_READS, initialGates } from '../projections/gates.ts';
import { emptyIntentsView, foldIntents, INTENTS_READS } from '../projections/intents.ts';
import { emptyPositionsView, foldPositions, POSITIONS_READS } from '../projections/positions.ts';
import { foldWorkingOrders, WORKING_ORDERS_READS, type WorkingOrders } from '../projections/reconciliation.ts';
import { emptySemanticView, foldSemantic, SEMANTIC_READS } from '../projections/semanticChecks.ts';
import type { LogEntry, LogPosition } from '../store/port.ts';

/**
 * A projection as replay sees it (S1: every view is a pure fold over the
 * log). Method syntax on purpose: it lets projections with different state
 * types sit in one list.
 */
export interface Projection<S> {
  readonly name: string;
  /** The bead types its fold reads: a replay hands it no other bead. Absent, it is handed every bead. */
  readonly reads?: readonly BeadType[];
  init(): S;
  /** The fold itself, called directly: a wrapper per projection would be a second call per bead. */
  apply(state: S, bead: Bead, position: LogPosition): S;
  /** A stored record that could not be decoded; projections without it never see one. */
  corrupt?(state: S, position: LogPosition, reason: string): S;
}

const projection = <S>(p: Projection<S>) => p as Projection<unknown>;

/**
 * Every projection a replay folds through (B2: "all projections"). A new
 * projection is added here, and B2 measures it with no other change.
 */
export const ALL_PROJECTIONS: readonly Projection<unknown>[] = [
  projection({ name: 'dashboard', init: () => initialDashboard(), apply: applyBead, corrupt: noteCorrupt }),
  projection({ name: 'semantic', reads: SEMANTIC_READS, init: emptySemanticView, apply: foldSemantic }),
  projection({ name: 'intents', reads: INTENTS_READS, init: emptyIntentsView, apply: foldIntents }),
  projection({ name: 'approvals', reads: APPROVALS_READS, init: emptyApprovalsView, apply: foldApprovals }),
  projection({ name: 'autopsy', reads: AUTOPSY_READS, init: emptyAutopsySummary, apply: foldAutopsy }),
  // What the running trade flow folds (FlowViews), and the host dashboard's gates.
  projection({ name: 'gates', reads: GATES_READS, init: initialGates, apply: foldGates }),
  projection({ name: 'positions', reads: POSITIONS_READS, init: emptyPositionsView, apply: foldPositions }),
  projection({ name: 'working orders', reads: WORKING_ORDERS_READS, init: (): WorkingOrders => new Map(), apply: foldWorkingOrders }),
];

export interface FoldResult {
  entries: number;
  states: Map<string, unknown>;
}

/**
 * Which projections each bead goes to (indices into the list), by type,
 * worked out once per replay: most beads are heartbeats, which two of the
 * eight folds read, and a call that only hands its state back is most of a
 * cheap fold's cost.
 */
function routesOf(projections: readonly Projection<unknown>[]): (type: string) => readonly number[] {
  const all = projections.map((_, i) => i);
  const byType = new Map<string, readonly number[]>(BEAD_TYPES.map((t) => [t, all.filter((i) => projections[i]!.reads?.includes(t) ?? true)]));
  return (type) => byType.get(type) ?? all;
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
    entries += 1;
    if (entry.kind === 'corrupt') {
      projections.forEach((p, i) => {
        if (p.corrupt) states[i] = p.corrupt(states[i], entry.position, entry.reason);
      });
      continue;
    }
    const route = routeOf(entry.bead.bead_type);
    for (let k = 0; k < route.length; k++) {
      const i = route[k]!;
      states[i] = projections[i]!.apply(states[i], entry.bead, entry.position);
    }
  }
  return { entries, states: new Map(projections.map((p, i) => [p.name, states[i]])) };
}
