/**
 * Whether a log's paper history satisfies the live gate (P1-1…P1-6 and P1-8,
 * INV-IBKR-PAPER-FIRST-1), as the connection actor's hook asks it. The history
 * itself is the bunny's (tools/bunny/liveSeed.ts): one seeder for every live
 * scratch desk; nothing here declares a gate, the projection decides.
 */
import { fileURLToPath } from 'node:url';
import { readRunbooks } from '../../actors/dashboard/runbooks.ts';
import { RUNBOOKS } from '../../actors/notify/alertTypes.ts';
import type { Bead } from '../../beads/index.ts';
import { foldAllGates, gateResults, paperGatesHold } from '../../projections/gates.ts';
import type { EventLog } from '../../store/port.ts';

const RUNBOOKS_DIR = fileURLToPath(new URL('../../runbooks', import.meta.url));

/** INV-IBKR-PAPER-FIRST-1 as the connection actor asks it: do the paper gates hold in this log? */
export async function paperGatesHoldIn(log: EventLog): Promise<boolean> {
  const beads: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') beads.push(e.bead);
  const present = (await readRunbooks(RUNBOOKS_DIR)).filter((r) => r.info.problem === undefined).map((r) => r.info.id);
  return paperGatesHold(gateResults(foldAllGates(beads), { runbooks: { expected: Object.keys(RUNBOOKS), present } }));
}
