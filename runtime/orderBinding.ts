import { hash } from 'node:crypto';
import type { OrderBinding } from '../machines/approvalVocabulary.ts';

/**
 * The hash of the exact order a person approved (issue 17): the token's
 * payload, the decision bead and the TOTP proof all name the order by it.
 * Written field by field in a fixed order, so it never depends on how an
 * object was built.
 */
export function bindingHash(b: OrderBinding): string {
  const text = [b.account, b.pair, b.action, b.units, b.entry, b.stop, b.target, b.order_refs.entry, b.order_refs.target, b.order_refs.stop].map((x) => JSON.stringify(x)).join('|');
  return hash('sha256', `phoenix-order-v1|${text}`, 'base64url');
}

/** What a person's TOTP proof for a decision covers: this intent, this decision, this order. */
export function decisionAct(intentId: string, decision: 'APPROVE' | 'REJECT', binding: OrderBinding | undefined): [string, ...string[]] {
  return ['DECISION', intentId, decision, binding ? bindingHash(binding) : 'no-order'];
}
