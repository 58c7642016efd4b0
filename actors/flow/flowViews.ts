import type { Bead, BeadType } from '../../beads/index.ts';
import type { Fold, FoldRegistry } from '../../projections/fold.ts';
import { type GateInputs, type GateResult, type GatesState, gateResults } from '../../projections/gates.ts';
import { gatesFold, openPositionsFold, workingOrdersFold } from '../../projections/hostFolds.ts';
import type { PositionsView } from '../../projections/positions.ts';
import type { WorkingOrders } from '../../projections/reconciliation.ts';
import { RUNBOOKS_DIR, runbookInputs } from '../gates/runbookInputs.ts';
import { OrderBook, type SavedOrderBook } from './orderBook.ts';
import { restartFold, type StartupState } from './startupScan.ts';

/**
 * The projections the trade flow reads, kept current by the projection
 * engine (the host's, or the flow's own when it runs alone): the open
 * positions the evidence bundle lists and reconciliation compares, the
 * working orders, the gates for "paper-validation progress" (with the
 * runbooks folder P1-5 needs), the latest heartbeat and the kill flag.
 */

export interface FlowSignals {
  lastHeartbeat: { status: string; ts: string } | undefined;
  /** The kill flag as the `killswitch` stream last said; the kill switch actor's own port wins when there is one. */
  killFlag: 'ARMED' | 'SET';
}

const SIGNALS_READS = ['HEARTBEAT', 'KILL_FLAG'] as const satisfies readonly BeadType[];

export const signalsFold: Fold<FlowSignals> = {
  name: 'flow.signals',
  version: '1',
  reads: SIGNALS_READS,
  init: () => ({ lastHeartbeat: undefined, killFlag: 'ARMED' }),
  apply(s, bead: Bead) {
    if (bead.bead_type === 'HEARTBEAT' && bead.data.status !== 'MISSED') s.lastHeartbeat = { status: bead.data.status, ts: bead.ts };
    if (bead.bead_type === 'KILL_FLAG') s.killFlag = bead.data.state === 'SET' ? 'SET' : 'ARMED';
    return s;
  },
};

const BOOK_READS = ['ORDER', 'FILL', 'POSITION'] as const satisfies readonly BeadType[];

/** The order book as a fold: the class itself is the state, saved as plain records. */
export const bookFold: Fold<OrderBook> = {
  name: 'flow.book',
  version: '1',
  reads: BOOK_READS,
  init: () => new OrderBook(),
  apply(book, bead) {
    book.apply(bead);
    return book;
  },
  save: (book) => book.toSaved(),
  load: (saved) => OrderBook.fromSaved(saved as SavedOrderBook),
};

/** What the flow folds, registered on one engine before it reads the log; each getter answers the state as it is now. */
export interface FlowFolds {
  positions(): PositionsView;
  workingOrders(): WorkingOrders;
  gates(): GatesState;
  signals(): FlowSignals;
  book(): OrderBook;
  restart(): StartupState;
}

export function registerFlowFolds(engine: FoldRegistry): FlowFolds {
  const positions = engine.fold(openPositionsFold);
  const workingOrders = engine.fold(workingOrdersFold);
  const gates = engine.fold(gatesFold);
  const signals = engine.fold(signalsFold);
  const book = engine.fold(bookFold);
  const restart = engine.fold(restartFold);
  return {
    positions: () => positions.state,
    workingOrders: () => workingOrders.state,
    gates: () => gates.state,
    signals: () => signals.state,
    book: () => book.state,
    restart: () => restart.state,
  };
}

/** A registry of its own, for views built outside an engine (a test of the gates' inputs). */
function detached(): FoldRegistry {
  return { fold: (f) => ({ state: f.init() }) };
}

export class FlowViews {
  /**
   * P1-5's runbooks folder, read once as the flow is built, as `phoenix gates`
   * reads it. A folder that cannot be read leaves P1-5 saying "runbooks
   * folder not read".
   */
  readonly runbooks: GateInputs['runbooks'];
  private readonly folds: FlowFolds;

  constructor(runbooksDir = RUNBOOKS_DIR, folds: FlowFolds = registerFlowFolds(detached())) {
    this.folds = folds;
    try {
      this.runbooks = runbookInputs(runbooksDir);
    } catch {
      this.runbooks = undefined;
    }
  }

  get positions(): PositionsView {
    return this.folds.positions();
  }

  get workingOrders(): WorkingOrders {
    return this.folds.workingOrders();
  }

  get gates(): GatesState {
    return this.folds.gates();
  }

  get lastHeartbeat(): FlowSignals['lastHeartbeat'] {
    return this.folds.signals().lastHeartbeat;
  }

  get killFlag(): FlowSignals['killFlag'] {
    return this.folds.signals().killFlag;
  }

  /** The S11 gates with the same inputs `phoenix gates` uses. */
  gateResults(): GateResult[] {
    return gateResults(this.gates, { runbooks: this.runbooks });
  }
}
