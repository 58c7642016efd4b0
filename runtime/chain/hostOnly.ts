import { type Bead, type BeadType, closeRequestOf } from '../../beads/index.ts';

/**
 * Facts only a host writes (issue 17): what its broker, approvals, positions,
 * kill switch and halts record. Such a bead under a sealing host's name and
 * outside its seals is a forgery. Other processes write some beads under the
 * host's name by design (a close request, a bunny verdict, a test alert, a
 * person's decision): those are not the host's facts, prove nothing by their
 * name, and each is judged on its own proof by whatever acts on it.
 */
const ALWAYS_HOST: ReadonlySet<BeadType> = new Set(['FILL', 'POSITION', 'AUTOPSY', 'RECONCILIATION', 'IBKR_SESSION', 'HEARTBEAT', 'HOST', 'CONFIG', 'INTENT', 'ATTESTATION', 'KILL_FLAG', 'HALT']);

export function isHostOnlyFact(bead: Bead): boolean {
  if (ALWAYS_HOST.has(bead.bead_type)) return true;
  if (bead.bead_type === 'APPROVAL') return bead.data.event !== 'DECISION';
  if (bead.bead_type === 'ORDER') return closeRequestOf(bead) === undefined;
  return false;
}

/** What the host's own readers check: every type that can move money or open a gate, heartbeats aside (they move nothing, and are most of the log). */
export const HOST_VERIFIED_TYPES: ReadonlySet<BeadType> = new Set(['ORDER', 'FILL', 'POSITION', 'AUTOPSY', 'RECONCILIATION', 'IBKR_SESSION', 'HOST', 'CONFIG', 'INTENT', 'ATTESTATION', 'KILL_FLAG', 'HALT', 'APPROVAL']);
