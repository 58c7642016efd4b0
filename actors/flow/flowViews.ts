import type { Bead } from '../../beads/index.ts';
import { foldGates, type GateInputs, type GateResult, type GatesState, gateResults, initialGates } from '../../projections/gates.ts';
import { emptyPositionsView, foldPositions, type PositionsView } from '../../projections/positions.ts';
import { foldWorkingOrders, type WorkingOrders } from '../../projections/reconciliation.ts';
import { RUNBOOKS_DIR, runbookInputs } from '../gates/runbookInputs.ts';

/**
 * The projections the trade flow reads, kept up to date by folding every bead
 * of the log in order (the flow's log follower feeds them): the positions the
 * evidence bundle lists and reconciliation compares, the working orders, the
 * gates for "paper-validation progress" (with the runbooks folder P1-5 needs),
 * and the latest heartbeat.
 */
export class FlowViews {
  readonly positions: PositionsView = emptyPositionsView();
  readonly workingOrders: WorkingOrders = new Map();
  readonly gates: GatesState = initialGates();
  lastHeartbeat: { status: string; ts: string } | undefined;
  /** The kill flag as the `killswitch` stream last said; the kill switch actor's own port wins when there is one. */
  killFlag: 'ARMED' | 'SET' = 'ARMED';
  /**
   * P1-5's runbooks folder, read once as the flow is built, as `phoenix gates`
   * reads it: the flow builds its views with no arguments, and reading here
   * puts the input in place before the first bundle. A folder that cannot be
   * read leaves P1-5 saying "runbooks folder not read".
   */
  readonly runbooks: GateInputs['runbooks'];

  constructor(runbooksDir = RUNBOOKS_DIR) {
    try {
      this.runbooks = runbookInputs(runbooksDir);
    } catch {
      this.runbooks = undefined;
    }
  }

  /** The S11 gates with the same inputs `phoenix gates` uses. */
  gateResults(): GateResult[] {
    return gateResults(this.gates, { runbooks: this.runbooks });
  }

  apply(bead: Bead): void {
    foldPositions(this.positions, bead);
    foldWorkingOrders(this.workingOrders, bead);
    foldGates(this.gates, bead);
    if (bead.bead_type === 'HEARTBEAT' && bead.data.status !== 'MISSED') this.lastHeartbeat = { status: bead.data.status, ts: bead.ts };
    if (bead.bead_type === 'KILL_FLAG') this.killFlag = bead.data.state === 'SET' ? 'SET' : 'ARMED';
  }
}
