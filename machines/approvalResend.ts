import type { Bead } from '../beads/index.ts';
import { type OrderBinding, staleAt } from './approvalVocabulary.ts';
import { approvalStateOf, replayApproval } from './approvalReplay.ts';

/**
 * May a bracket that was written ahead before a crash, and that the broker
 * never got, go again? (issue 17, S4.2) Judged on the approval machine's own
 * record: the approval's stream, as the host's chain proves it, replayed
 * through the machine. The answer names the token the bracket was issued
 * under and the order it was bound to; it never mints one. A re-send is the
 * same order on the same token, or nothing: one decision, one token.
 */
export type ResendVerdict = { ok: true; tokenId: string; binding: OrderBinding } | { ok: false; why: string };

export function resendVerdict(beads: readonly Bead[], now: number): ResendVerdict {
  const { snapshot } = replayApproval(beads);
  const c = snapshot.context;
  const state = approvalStateOf(snapshot);
  if (c.decision?.decision !== 'APPROVE') return { ok: false, why: 'no verified APPROVE decision for it' };
  if (!c.token) return { ok: false, why: 'no token was issued for it: a new decision is needed' };
  if (!c.token.binding) return { ok: false, why: `token ${c.token.tokenId} names no order` };
  if (state !== 'CONSUMED' && !snapshot.matches({ APPROVED: 'tokenIssued' })) return { ok: false, why: `the approval is ${state}` };
  if (now >= staleAt(c)) return { ok: false, why: 'the anchor is stale: a new intent and a new decision are needed' };
  return { ok: true, tokenId: c.token.tokenId, binding: c.token.binding };
}
