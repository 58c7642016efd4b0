import { fileURLToPath } from 'node:url';
import { type GateInputs, type GateResult, foldGates, gateResults, initialGates } from '../../projections/gates.ts';
import type { EventLog } from '../../store/port.ts';
import { readRunbooks } from '../dashboard/runbooks.ts';
import { RUNBOOKS } from '../notify/alertTypes.ts';

/** The runbooks shipped with Phoenix. */
export const RUNBOOKS_DIR = fileURLToPath(new URL('../../runbooks', import.meta.url));

async function runbookInputs(dir: string): Promise<GateInputs['runbooks']> {
  const present = (await readRunbooks(dir)).filter((r) => r.info.problem === undefined).map((r) => r.info.id);
  return { expected: Object.keys(RUNBOOKS), present };
}

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
  return { gates: gateResults(state, { runbooks: await runbookInputs(runbooksDir) }), unreadable };
}
