import type { Bead, BeadType } from '../../beads/index.ts';
import { foldGates, type GateInputs, type GateResult, gateResults, initialGates, paperGatesHold } from '../../projections/gates.ts';
import type { EventLog } from '../../store/port.ts';
import { ChainChecker } from './checker.ts';

/**
 * The live gate on evidence a host sealed (issue 17, S11,
 * INV-IBKR-PAPER-FIRST-1). Hand-written beads opened the gate before: now
 * every broker and monitoring fact it counts (sessions, positions, fills,
 * heartbeats, host starts) must be proven against a host's chain, and a
 * paper position counts only when a sealed FILL with the execution id the
 * broker reported stands behind it, on a host session whose sealed CONNECT
 * was to a paper account (DU…). What only a person's command records (the
 * RB-004 drill, the bunny run, the test alert, the UX confirmation) is taken
 * as written by that command: none of it moves the gate without the sealed
 * broker evidence.
 */

const TAKEN_AS_WRITTEN: ReadonlySet<BeadType> = new Set(['DRILL', 'BUNNY', 'UX_CONFIRMATION', 'ALERT']);

export interface ChainedGate {
  holds: boolean;
  gates: GateResult[];
  /** Beads the gate left out: not sealed, or not tied to a paper account's executions. */
  leftOut: number;
}

export async function liveGateOnChainedEvidence(log: Pick<EventLog, 'readAll'>, key: Buffer, inputs: GateInputs = {}): Promise<ChainedGate> {
  const kept: Bead[] = [];
  let leftOut = 0;
  const checker = new ChainChecker(key, { strict: false, mark: false });
  for await (const entry of log.readAll()) {
    const { verdict } = checker.check(entry);
    if (entry.kind !== 'bead') continue;
    const bead = entry.bead;
    if (verdict === 'SEALED' || (verdict === 'FOREIGN' && TAKEN_AS_WRITTEN.has(bead.bead_type))) kept.push(bead);
    else leftOut += 1;
  }
  // Tied to the broker: paper sessions (a DU account), and the positions whose fills carry its execution ids.
  const paperHosts = new Set(kept.flatMap((b) => (b.bead_type === 'IBKR_SESSION' && b.data.mode === 'PAPER' && b.data.event === 'CONNECT' && b.data.account.startsWith('DU') ? [b.host_id] : [])));
  const executed = new Set(kept.flatMap((b) => (b.bead_type === 'FILL' && b.data.exec_id.trim() !== '' && b.data.position_id && paperHosts.has(b.host_id) ? [b.data.position_id] : [])));
  const state = initialGates();
  for (const bead of kept) {
    const untied =
      (bead.bead_type === 'POSITION' && !executed.has(bead.data.position_id)) ||
      ((bead.bead_type === 'IBKR_SESSION' || bead.bead_type === 'HEARTBEAT') && !paperHosts.has(bead.host_id));
    if (untied) {
      leftOut += 1;
      continue;
    }
    foldGates(state, bead);
  }
  const gates = gateResults(state, inputs);
  return { holds: paperGatesHold(gates), gates, leftOut };
}
