import { foldStanding, initialStanding, type Standing, standingOf } from '../../projections/deskStanding.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { EventLog } from '../../store/port.ts';
import { RUNBOOKS_DIR, runbookInputs } from '../gates/runbookInputs.ts';
import { standingOptions } from './promotionActor.ts';

/**
 * The desk's standing read from the whole log at `now`: what `phoenix gates
 * --phase 2`, `phoenix promote` and `phoenix run` (live) judge on. Records
 * that cannot be read are counted, never trusted.
 */
export async function readStanding(log: EventLog, config: Config, now: number, runbooksDir = RUNBOOKS_DIR): Promise<Standing & { unreadable: number }> {
  const options = standingOptions(config, runbookInputs(runbooksDir));
  const state = initialStanding(options);
  let unreadable = 0;
  for await (const entry of log.readAll()) {
    if (entry.kind === 'bead') foldStanding(state, entry.bead);
    else unreadable += 1;
  }
  return { ...standingOf(state, now, options), unreadable };
}
