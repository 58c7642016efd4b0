import { type GateResult, foldGates, gateResults, initialGates } from '../../projections/gates.ts';
import type { EventLog } from '../../store/port.ts';
import { RUNBOOKS_DIR, runbookInputs } from './runbookInputs.ts';

export { RUNBOOKS_DIR };

/**
 * The S11 gates as the log shows them: one fold over every bead, plus the
 * runbooks folder for P1-5. `phoenix gates` prints this; `phoenix run`
 * asks it whether live may start (INV-IBKR-PAPER-FIRST-1).
 */
export async function computeGates(log: EventLog, runbooksDir = RUNBOOKS_DIR): Promise<{ gates: GateResult[]; unreadable: number }> {
  const state = initialGates();
  let unreadable = 0;
  for await (const entry of log.readAll()) {
    if (entry.kind === 'bead') foldGates(state, entry.bead);
    else unreadable += 1;
  }
  return { gates: gateResults(state, { runbooks: runbookInputs(runbooksDir) }), unreadable };
}
