import { type Bead, type BeadType, closeRequestOf } from '../../beads/index.ts';

/**
 * Facts only a host writes (issue 17): what its broker, approvals, positions,
 * kill switch, halts and promotion machine record. Such a bead under a
 * sealing host's name and outside its seals is a forgery. Other processes
 * write some beads under the host's name by design (a close request, a bunny
 * verdict, a test alert, a person's decision, a person's `phoenix promote
 * --live`): those are not the host's facts, prove nothing by their name, and
 * each is judged on its own proof by whatever acts on it.
 */
const ALWAYS_HOST: ReadonlySet<BeadType> = new Set(['FILL', 'POSITION', 'AUTOPSY', 'RECONCILIATION', 'IBKR_SESSION', 'HEARTBEAT', 'HOST', 'CONFIG', 'INTENT', 'ATTESTATION', 'KILL_FLAG', 'HALT']);

/** Types of which some beads are the host's facts and some another process's word: told apart by `isHostOnlyFact`. */
export const SOMETIMES_HOST: ReadonlySet<BeadType> = new Set(['APPROVAL', 'ORDER', 'PROMOTION']);

/** Whether a bead of this type may be a host's fact (without reading it). */
export const mayBeHostOnly = (type: string): boolean => ALWAYS_HOST.has(type as BeadType) || SOMETIMES_HOST.has(type as BeadType);

export function isHostOnlyFact(bead: Bead): boolean {
  if (ALWAYS_HOST.has(bead.bead_type)) return true;
  if (bead.bead_type === 'APPROVAL') return bead.data.event !== 'DECISION';
  if (bead.bead_type === 'ORDER') return closeRequestOf(bead) === undefined;
  // A transition is the machine's record (LIVE_ACTIVE opens the live gate); a DECISION is a person's, proven by its TOTP.
  if (bead.bead_type === 'PROMOTION') return bead.data.event !== 'DECISION';
  return false;
}

/** What the host's own readers check: every type that can move money or open a gate, heartbeats aside (they move nothing, and are most of the log). */
export const HOST_VERIFIED_TYPES: ReadonlySet<BeadType> = new Set(['ORDER', 'FILL', 'POSITION', 'AUTOPSY', 'RECONCILIATION', 'IBKR_SESSION', 'HOST', 'CONFIG', 'INTENT', 'ATTESTATION', 'KILL_FLAG', 'HALT', 'APPROVAL', 'PROMOTION']);

/** ORDER events that are the host's own intent to act at the broker (written ahead of the act), not its report of what the broker said. */
const ORDER_INTENTS: ReadonlySet<string> = new Set(['SUBMIT_REQUESTED', 'CANCEL_REQUESTED', 'RECOVERED']);
const AT_ONCE: ReadonlySet<BeadType> = new Set(['APPROVAL', 'KILL_FLAG', 'HALT', 'ATTESTATION', 'INTENT', 'CONFIG', 'CONFIG_CHANGE', 'HOST', 'PROMOTION', 'LEASE', 'FILL']);

/**
 * Beads sealed in their own commit (issue 17, B1): each is a bead the host
 * acts on, or acts on again after a restart, on nothing but the log's word
 * (the write-ahead of an order, a token, the kill flag, a halt, an answer
 * to a person, the promotion state; and the lease, whose renewal each beat
 * and release at a clean stop leave no block unsealed). Sealed with it, it is proven the moment
 * it is durable, before the act it precedes, whatever happens next. A fill
 * too: it is money, and S4.2 wants exactly one FILL bead per execution, so an
 * unsealed FILL left by a crash, hidden from the restarted host that then
 * records the broker's execution again, would be a second FILL in the log
 * (the kill -9 fuzz found it). The rest (heartbeats, the broker's reports of
 * statuses, positions and sessions, alerts) are sealed in blocks, by the next
 * commit that carries a seal: what a crash leaves unsealed of them is read as
 * unproven, and the broker tells a restarted host again what it reported (its
 * open orders at connect).
 */
export function sealsAtOnce(bead: Bead): boolean {
  if (AT_ONCE.has(bead.bead_type)) return true;
  return bead.bead_type === 'ORDER' && ORDER_INTENTS.has(bead.data.event);
}
