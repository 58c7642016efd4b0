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

/**
 * Beads sealed in blocks (issue 17, B1), by the next commit that carries a
 * seal: only what no restart rebuilds state from. Heartbeats (most of the
 * log), sessions and reconciliations are written again by the next run, and
 * the records people's commands leave are taken as written. What a crash
 * leaves unsealed of them is read as unproven, and nothing is lost by it.
 *
 * Every other bead is sealed in its own commit (on SQLite, alone in it, by
 * a tag in its own row: tag.ts), proven the moment it is durable: a
 * restarted host rebuilds its positions, orders, fills, approvals, kill
 * flag, halts, promotion and the alerts it still owes from them, and a bead
 * of those hidden after a crash loses what it says. The kill -9 fuzz
 * found both ways: an unsealed FILL recorded again by the restarted host (two
 * FILL beads for one execution), and a position whose first bead was in the
 * unsealed block, refused by every later start, so the host never restored
 * it: its target filled at the broker and the log kept it MANAGED, and every
 * `phoenix close` of it went unheard. A new bead type is sealed at once
 * unless it is added here.
 */
const IN_BLOCKS: ReadonlySet<BeadType> = new Set(['HEARTBEAT', 'IBKR_SESSION', 'RECONCILIATION', 'SECURITY', 'BUNNY', 'DRILL', 'UX_CONFIRMATION', 'ALERT_LABEL']);

export function sealsAtOnce(bead: Bead): boolean {
  return !IN_BLOCKS.has(bead.bead_type);
}

/**
 * Why a bead under a sealing host's name that no seal lists is refused, in
 * words that fit its kind: a bead sealed at once cannot be left unlisted by
 * a crash (its seal is in its own commit); a block's bead can, when the host
 * stopped before the block's seal, and the operator reading the SECURITY
 * bead after a kill -9 should be told so rather than shown only a forgery.
 */
export function unlistedBecause(bead: Bead): string {
  return sealsAtOnce(bead) ? 'written by something else (the host seals this kind in the commit that writes it)' : 'the host stopped (a crash) before it sealed the block this was in, or something else wrote it';
}
