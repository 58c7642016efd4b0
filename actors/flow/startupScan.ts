import type { Bead, BeadType } from '../../beads/index.ts';
import { type CloseRequest, closeRequestOf } from '../../beads/closeRequest.ts';
import { APPROVALS_READS, type ApprovalsView, emptyApprovalsView, foldApprovals, isEnded } from '../../projections/approvals.ts';
import type { Fold } from '../../projections/fold.ts';
import { dropOldest, evictOldest } from '../../projections/oldestFirst.ts';
import { ENDED_POSITION_STATES } from '../../projections/positions.ts';

/**
 * What a restart must pick up, kept by the projection engine from the one
 * read of the log at start and its subscription after (issue 15): approvals
 * not yet ended, close requests not yet acted on, tokens already used. The
 * state is bounded: an ended approval is let go once nothing at restart can
 * need it (at once if it ended without an order; once its position has ended
 * if it was consumed), and a used token once it has expired, since an
 * expired token is refused whatever this set says.
 */
export interface StartupState {
  approvals: ApprovalsView;
  consumedTokens: Set<string>;
  /** The latest close request of each position that no later POSITION bead answered. */
  pendingCloses: Map<string, CloseRequest>;
  /** Used tokens in the order they were used, with their expiry (epoch ms). */
  tokenExpiries: Map<string, number>;
  /** Consumed approvals in the order they were consumed, with when (epoch ms): let go after CONSUMED_KEPT_MS whatever their position did. */
  consumedAt: Map<string, number>;
  /** Consumed approvals whose position has ended: let go as soon as they end too. */
  positionsEnded: Set<string>;
  /** Approvals let go lately: a late bead about one must not bring it back as new. */
  forgotten: Set<string>;
}

/** A used token is forgotten this long after its expiry: the margin covers clocks of other processes that run behind. */
const TOKEN_MARGIN_MS = 60 * 60_000;
/** APPROVAL_TOKEN_TTL_S's upper bound (runtime/config/schema.ts): a token the log gives no expiry for has expired by then. */
const TOKEN_TTL_MAX_MS = 3_600 * 1000;
/**
 * A consumed approval is kept for a restart that finds its bracket written
 * ahead and its position never begun (flowRestore.ts); its position's end
 * lets it go at once. One whose position never says so (a bracket the broker
 * never took) goes after a week: crash recovery still looks up every order
 * the broker never acknowledged, from the order book.
 */
const CONSUMED_KEPT_MS = 7 * 24 * 3_600_000;
/**
 * And at most this many used tokens and consumed approvals, whatever the
 * clock says: each is a person's decision, and no desk of people decides ten
 * thousand times within a token's life (an hour at most).
 */
const DECISIONS_KEPT = 10_000;
const FORGOTTEN_KEPT = 1_024;

export function emptyStartupState(): StartupState {
  return { approvals: emptyApprovalsView(), consumedTokens: new Set(), pendingCloses: new Map(), tokenExpiries: new Map(), consumedAt: new Map(), positionsEnded: new Set(), forgotten: new Set() };
}

function forget(s: StartupState, intentId: string): void {
  s.approvals.byId.delete(intentId);
  s.positionsEnded.delete(intentId);
  s.forgotten.add(intentId);
  if (s.forgotten.size > FORGOTTEN_KEPT) dropOldest(s.forgotten);
}

function onApproval(s: StartupState, bead: Bead & { bead_type: 'APPROVAL' | 'ATTESTATION' }): void {
  const id = bead.bead_type === 'APPROVAL' ? bead.data.intent_id : bead.correlation_id;
  if (s.forgotten.has(id)) return;
  const wasEnded = s.approvals.byId.get(id)?.status;
  foldApprovals(s.approvals, bead);
  const record = s.approvals.byId.get(id);
  if (bead.bead_type !== 'APPROVAL' || !record) return;
  if (bead.data.event === 'CONSUMED' && bead.data.token_id) {
    s.consumedTokens.add(bead.data.token_id);
    const expires = record.token?.token_id === bead.data.token_id ? Date.parse(record.token.expires_at) : Number.NaN;
    // A token whose expiry the log does not say expires at the latest a whole TTL's bound after its use.
    s.tokenExpiries.set(bead.data.token_id, Number.isFinite(expires) ? expires : Date.parse(bead.ts) + TOKEN_TTL_MAX_MS);
    s.consumedAt.set(id, Date.parse(bead.ts));
  }
  const at = Date.parse(bead.ts);
  // Maps keep insertion order: the first entries are the oldest (oldestFirst.ts finds them without walking what went before).
  evictOldest(
    s.tokenExpiries,
    (_, expires) => expires + TOKEN_MARGIN_MS >= at && s.tokenExpiries.size <= DECISIONS_KEPT,
    (token) => s.consumedTokens.delete(token),
  );
  evictOldest(
    s.consumedAt,
    (_, consumed) => consumed + CONSUMED_KEPT_MS >= at && s.consumedAt.size <= DECISIONS_KEPT,
    (old) => {
      if (s.approvals.byId.get(old)?.status === 'CONSUMED') forget(s, old);
    },
  );
  if (wasEnded !== undefined && isEnded(wasEnded)) return;
  if (!isEnded(record.status)) return;
  // Ended without an order (rejected, expired, stale): nothing at restart looks it up again.
  if (record.status !== 'CONSUMED' || s.positionsEnded.has(id)) forget(s, id);
}

function onPosition(s: StartupState, bead: Bead & { bead_type: 'POSITION' }): void {
  const id = bead.data.position_id;
  // Any position transition after the request answers it: CLOSING, or an end that makes it moot.
  if (bead.data.state !== 'STALLED' && s.pendingCloses.has(id)) {
    const state = bead.data.state;
    if (state === 'CLOSING' || ENDED_POSITION_STATES.has(state)) s.pendingCloses.delete(id);
  }
  if (!ENDED_POSITION_STATES.has(bead.data.state)) return;
  // A position's id is its intent's: once it has ended, its approval can only matter until it ends too.
  const approval = s.approvals.byId.get(id);
  if (approval && isEnded(approval.status)) forget(s, id);
  else if (approval) s.positionsEnded.add(id);
}

export function noteForRestart(s: StartupState, bead: Bead): StartupState {
  if (bead.bead_type === 'APPROVAL' || bead.bead_type === 'ATTESTATION') onApproval(s, bead);
  else if (bead.bead_type === 'POSITION') onPosition(s, bead);
  else {
    const close = closeRequestOf(bead);
    if (close) s.pendingCloses.set(close.positionId, close);
  }
  return s;
}

/** The bead types noteForRestart reads. */
export const RESTART_READS = [...APPROVALS_READS, 'ORDER', 'POSITION'] as const satisfies readonly BeadType[];

export const restartFold: Fold<StartupState> = {
  name: 'flow.restart',
  version: '2',
  reads: RESTART_READS,
  init: emptyStartupState,
  apply: noteForRestart,
};

export function unfinishedApprovals(s: StartupState): string[] {
  return [...s.approvals.byId.values()].filter((r) => !isEnded(r.status)).map((r) => r.intent_id);
}
