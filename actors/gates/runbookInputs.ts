import { fileURLToPath } from 'node:url';
import type { GateInputs } from '../../projections/gates.ts';
import { readRunbooksSync } from '../dashboard/runbooks.ts';
import { RUNBOOKS } from '../notify/alertTypes.ts';

/** The runbooks shipped with Phoenix. */
export const RUNBOOKS_DIR = fileURLToPath(new URL('../../runbooks', import.meta.url));

/**
 * P1-5's half that the log does not hold: the runbooks every alert type
 * points at, and those in the folder with readable front matter. `phoenix
 * gates` and the trade flow's evidence both read it here, so they agree.
 */
export function runbookInputs(dir = RUNBOOKS_DIR): NonNullable<GateInputs['runbooks']> {
  const present = readRunbooksSync(dir)
    .filter((r) => r.info.problem === undefined)
    .map((r) => r.info.id);
  return { expected: Object.keys(RUNBOOKS), present };
}
