import { entryBracket } from '../../actors/flow/entryBracket.ts';
import type { OrderTicket } from '../../actors/broker/submitGuards.ts';
import type { OrderBinding } from '../../machines/approvalVocabulary.ts';
import { bindingHash } from '../../runtime/orderBinding.ts';
import { sampleIntent } from './sampleIntent.ts';

/**
 * Issue 17 for tests that drive tokens and the guard chain directly: the
 * exact order a person approved (the binding a decision and a token name),
 * and the bracket that is that order.
 */

/** The host's ATTESTATION ACCEPTED of a decision, as recordedHumanDecision needs it. */
export const ATTESTED = { attestationId: 'attestation-1' };

export function testBinding(intentId = 'intent-1', over: Partial<OrderBinding> = {}): OrderBinding {
  const i = sampleIntent({ intent_id: intentId });
  return {
    account: 'DU123456',
    pair: i.pair,
    action: 'BUY',
    units: 20_000,
    entry: i.entry,
    stop: i.stop,
    target: i.target,
    order_refs: { entry: `${intentId}-entry`, target: `${intentId}-target`, stop: `${intentId}-stop` },
    ...over,
  };
}

export const testBindingHash = (b: OrderBinding = testBinding()) => bindingHash(b);

/** The three tickets of exactly `binding`'s bracket. */
export function bracketOf(binding: OrderBinding, ids: readonly [number, number, number] = [101, 102, 103]): [OrderTicket, OrderTicket, OrderTicket] {
  const intentId = binding.order_refs.entry.replace(/-entry$/, '');
  const intent = sampleIntent({ intent_id: intentId, pair: binding.pair as 'EURUSD', entry: binding.entry, stop: binding.stop, target: binding.target });
  return entryBracket(intent, binding.units, ids);
}

/** An entry request for a bracket exactly as approved, with whatever token the test's port accepts. */
export function approvedEntry(account: string, intentId: string, ids: readonly [number, number, number], token = 'token-for-a-test-port') {
  const binding = testBinding(intentId, { account });
  return { kind: 'ENTRY' as const, account, orders: bracketOf(binding, ids), approval: { token, intentId, contentHash: 'h', binding } };
}
