import { PROMOTION_READS } from '../machines/promotionReplay.ts';
import type { Bead } from '../beads/index.ts';
import { applyBead, type DashboardModel, DEFAULT_HEARTBEAT_GAP_MS, initialDashboard, noteCorrupt } from './dashboardModel.ts';
import type { GateStatus } from './dashboardTypes.ts';
import { type StandingOptions, type StandingState, standingFold } from './deskStanding.ts';
import type { Fold, FoldRegistry } from './fold.ts';
import { foldGates, GATES_READS, type GatesState, initialGates } from './gates.ts';
import { dropOldest, moveToEnd } from './oldestFirst.ts';
import { foldOps, initialOps, OPS_READS, type OpsState } from './opsQuality.ts';
import { emptyPositionsView, ENDED_POSITION_STATES, foldPositions, POSITIONS_READS, type PositionsView } from './positions.ts';
import { foldWorkingOrders, WORKING_ORDERS_READS, type WorkingOrders } from './reconciliation.ts';
import { emptySemanticView, foldSemantic, SEMANTIC_READS, type SemanticView } from './semanticChecks.ts';

/**
 * The pure folds the host keeps, as its projection engine runs them (issue
 * 15): each with its name, the bead types it reads and a version, the
 * version carrying every parameter its state depends on, so a checkpoint
 * saved under other settings is replayed rather than trusted. Folds that
 * share a name share a state: the dashboard's gates, the trade flow's and
 * the promotion actor's are one.
 */

/** The dashboard's model; its runbooks are read from disk at start, never from a checkpoint (the page adds them). */
export function dashboardFold(o: { heartbeatGapMs?: number } = {}): Fold<DashboardModel> {
  const gapMs = o.heartbeatGapMs ?? DEFAULT_HEARTBEAT_GAP_MS;
  return {
    name: 'dashboard',
    version: `1:gap=${gapMs}`,
    init: () => initialDashboard({ heartbeatGapMs: gapMs }),
    apply: applyBead,
    corrupt: noteCorrupt,
  };
}

export const gatesFold: Fold<GatesState> = { name: 'gates', version: '1', reads: GATES_READS, init: initialGates, apply: foldGates };

export function opsFold(o: Pick<StandingOptions, 'gapMs' | 'windowMs'>): Fold<OpsState> {
  return { name: 'ops', version: `1:gap=${o.gapMs}:window=${o.windowMs}`, reads: OPS_READS, init: () => initialOps({ gapMs: o.gapMs, windowMs: o.windowMs }), apply: foldOps };
}

/** The beads the promotion machine is rebuilt from (few: transitions, changes, verdicts). */
export const promotionBeadsFold: Fold<Bead[]> = {
  name: 'promotion.beads',
  version: '1',
  reads: PROMOTION_READS,
  init: () => [],
  apply: (beads, bead) => {
    beads.push(bead);
    return beads;
  },
};

/** The desk's standing as three folds on one registry; the answer reads their states as they are now. */
export function standingOn(registry: FoldRegistry, o: StandingOptions): () => StandingState {
  const gates = registry.fold(gatesFold);
  const ops = registry.fold(opsFold(o));
  const promotion = registry.fold(promotionBeadsFold);
  return () => ({ gates: gates.state, ops: ops.state, promotionBeads: promotion.state });
}

/** The standing's gates as the dashboard shows them (phase 1, Phase 2, the live gate), on the same three folds. */
export function standingGatesOn(registry: FoldRegistry, o: StandingOptions): () => readonly GateStatus[] {
  const standing = standingOn(registry, o);
  const view = standingFold(o);
  return () => view.statuses(standing());
}

export const semanticFold: Fold<SemanticView> = { name: 'semantic', version: '1', reads: SEMANTIC_READS, init: emptySemanticView, apply: foldSemantic };

/**
 * The positions not yet ended, for the trade flow (evidence, reconciliation,
 * restart): an ended position leaves at once, so the view holds what is open,
 * whatever the length of the log.
 */
export const openPositionsFold: Fold<PositionsView> = {
  name: 'positions.open',
  version: '1',
  reads: POSITIONS_READS,
  init: emptyPositionsView,
  apply: (view, bead) => {
    foldPositions(view, bead);
    if (bead.bead_type === 'POSITION' && ENDED_POSITION_STATES.has(bead.data.state)) view.byId.delete(bead.data.position_id);
    return view;
  },
};

export const workingOrdersFold: Fold<WorkingOrders> = { name: 'orders.working', version: '1', reads: WORKING_ORDERS_READS, init: () => new Map(), apply: foldWorkingOrders };

/**
 * What the broker must know before it may trade (brokerLogFacts.ts): the
 * highest order id ever used, and the executions already recorded. The
 * execution ids kept are the latest EXEC_IDS_KEPT, enough to answer a resync
 * without a lookup; an older one is looked up in its order's stream by the
 * fill recorder, so the set stays bounded whatever the length of the log.
 */
export interface BrokerFacts {
  highestOrderId: number;
  recordedExecIds: Set<string>;
}

export const EXEC_IDS_KEPT = 4_096;

export const brokerFactsFold: Fold<BrokerFacts> = {
  name: 'broker.facts',
  version: `1:kept=${EXEC_IDS_KEPT}`,
  reads: ['ORDER', 'FILL'],
  init: () => ({ highestOrderId: 0, recordedExecIds: new Set() }),
  apply(facts, bead) {
    if (bead.bead_type === 'ORDER') {
      const id = bead.data.order_id;
      if (id !== undefined && id > facts.highestOrderId) facts.highestOrderId = id;
    } else if (bead.bead_type === 'FILL') {
      const ids = facts.recordedExecIds;
      // Re-added at the end: a Set keeps insertion order, so the first is the oldest.
      moveToEnd(ids, bead.data.exec_id);
      if (ids.size > EXEC_IDS_KEPT) dropOldest(ids);
      if (bead.data.order_id > facts.highestOrderId) facts.highestOrderId = bead.data.order_id;
    }
    return facts;
  },
};

/**
 * The host's alerts not yet delivered (RAISED or RESOLVED, with no SENT or
 * GROUPED after), oldest first, as alert id → bead id: where the outbox's
 * restore must begin reading the alerts stream (actors/host/alertsTail.ts),
 * so a start reads from the oldest alert still owed, not the whole stream.
 */
export const UNSETTLED_KEPT = 10_000;

export function alertOutboxFold(hostId: string): Fold<Map<string, string>> {
  return {
    name: 'alerts.unsettled',
    version: `1:${hostId}`,
    reads: ['ALERT'],
    init: () => new Map(),
    apply(unsettled, bead) {
      if (bead.bead_type !== 'ALERT') return unsettled;
      const { event, alert_id: id } = bead.data;
      if ((event === 'RAISED' || event === 'RESOLVED') && bead.host_id === hostId && !unsettled.has(id)) {
        unsettled.set(id, bead.bead_id);
        if (unsettled.size > UNSETTLED_KEPT) unsettled.delete(unsettled.keys().next().value as string);
      } else if (event === 'SENT' || event === 'GROUPED') unsettled.delete(id);
      return unsettled;
    },
  };
}
