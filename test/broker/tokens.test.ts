import { describe, expect, it } from 'vitest';
import {
  type ApprovalTokens,
  consumedTokenIds,
  createApprovalTokens,
  type RecordedHumanDecision,
  recordedHumanDecision,
  tokenIdOf,
} from '../../actors/broker/tokens.ts';
import type { Bead, BeadData } from '../../beads/index.ts';
import { stampAt, T0 } from '../machines/support.ts';
import { ATTESTED, testBinding, testBindingHash } from '../support/approvedOrder.ts';

const SECRET = 's'.repeat(48);
const HASH = 'sha256:aaaa';
let n = 0;
const ids = { next: () => `tok-${++n}` };

function approvalBead(data: Partial<BeadData<'APPROVAL'>>, intentId = 'intent-1'): Bead {
  return stampAt(
    { bead_type: 'APPROVAL', stream: `approval-${intentId}`, correlation_id: intentId, data: { intent_id: intentId, event: 'DECISION', ...data } },
    T0,
  );
}
const BINDING = testBinding();
const approve = (intentId = 'intent-1') =>
  approvalBead({ decision: 'APPROVE', decided_by: 'alice', channel: 'TELEGRAM', content_hash: HASH, binding: BINDING }, intentId);

function decisionOf(bead: Bead): RecordedHumanDecision {
  const r = recordedHumanDecision(bead, ATTESTED);
  if (!r.ok) throw new Error(r.why);
  return r.decision;
}
function fixture(): { tokens: ApprovalTokens; consumed: Set<string>; token: string; tokenId: string } {
  const consumed = new Set<string>();
  const tokens = createApprovalTokens({ secret: SECRET, ids, consumed });
  const minted = tokens.mint({ decision: decisionOf(approve()), contentHash: HASH, binding: BINDING, expiresAt: T0 + 120_000 });
  if (!minted.ok) throw new Error(minted.why);
  return { tokens, consumed, token: minted.token, tokenId: minted.tokenId };
}
const expect1 = { intentId: 'intent-1', contentHash: HASH, bindingHash: testBindingHash(), now: T0 + 1_000 };

describe('approval tokens', () => {
  it('verifies a fresh token for the intent and hash it was minted for', () => {
    const { tokens, token, tokenId } = fixture();
    expect(tokens.verify(token, expect1)).toMatchObject({ ok: true, tokenId, intentId: 'intent-1', approver: 'alice' });
    expect(tokenIdOf(token)).toBe(tokenId);
  });

  it('refuses an expired token', () => {
    const { tokens, token } = fixture();
    expect(tokens.verify(token, { ...expect1, now: T0 + 120_000 })).toMatchObject({ ok: false, code: 'EXPIRED' });
  });

  it('refuses a token used once already, also when the consumed set was rebuilt from CONSUMED beads', () => {
    const { tokens, token, tokenId } = fixture();
    expect(tokens.redeem(token, expect1).ok).toBe(true);
    expect(tokens.redeem(token, expect1)).toMatchObject({ ok: false, code: 'ALREADY_CONSUMED' });
    const afterRestart = createApprovalTokens({
      secret: SECRET,
      ids,
      consumed: consumedTokenIds([approvalBead({ event: 'CONSUMED', token_id: tokenId })]),
    });
    expect(afterRestart.verify(token, expect1)).toMatchObject({ ok: false, code: 'ALREADY_CONSUMED' });
  });

  it('refuses a token for another intent or another content hash', () => {
    const { tokens, token } = fixture();
    expect(tokens.verify(token, { ...expect1, intentId: 'intent-2' })).toMatchObject({ ok: false, code: 'WRONG_INTENT' });
    expect(tokens.verify(token, { ...expect1, contentHash: 'sha256:bbbb' })).toMatchObject({ ok: false, code: 'WRONG_HASH' });
  });

  it('refuses a tampered token, one signed with another secret, and garbage', () => {
    const { tokens, token } = fixture();
    const [payload, sig] = token.split('.') as [string, string];
    const forged = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    forged.exp = T0 + 86_400_000;
    expect(tokens.verify(`${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${sig}`, expect1)).toMatchObject({
      ok: false,
      code: 'BAD_SIGNATURE',
    });
    const flipped = sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    expect(tokens.verify(`${payload}.${flipped}`, expect1)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    const other = createApprovalTokens({ secret: 'o'.repeat(48), ids, consumed: new Set() });
    expect(other.verify(token, expect1)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    for (const junk of ['', 'abc', 'a.b.c', `${payload}.`]) expect(tokens.verify(junk, expect1).ok).toBe(false);
  });

  it('does not consume a token that fails verification', () => {
    const { tokens, token, consumed } = fixture();
    tokens.redeem(token, { ...expect1, contentHash: 'other' });
    expect(consumed.size).toBe(0);
  });

  it('keeps the secret out of the token, and the token id is all a bead needs', () => {
    const { token } = fixture();
    expect(token).not.toContain(SECRET);
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString()).not.toContain(SECRET);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => createApprovalTokens({ secret: 'short', ids, consumed: new Set() })).toThrow(/32 characters/);
  });
});

describe('INV-NO-AUTO-APPROVAL: no token without a recorded human decision from an authorised channel', () => {
  it('cannot be called without a decision read from the log: the compiler refuses', () => {
    const tokens = createApprovalTokens({ secret: SECRET, ids, consumed: new Set() });
    // The @ts-expect-error lines fail `tsc --noEmit` if the calls ever compile; at run time they are refused too.
    // @ts-expect-error a token needs a decision
    expect(tokens.mint({ contentHash: HASH, binding: BINDING, expiresAt: T0 + 1 })).toMatchObject({ ok: false });
    const fake = { decisionBeadId: 'x', intentId: 'intent-1', contentHash: HASH, approver: 'bot', channel: 'TELEGRAM' as const };
    // @ts-expect-error an object literal is not a recorded decision
    expect(tokens.mint({ decision: fake, contentHash: HASH, binding: BINDING, expiresAt: T0 + 1 })).toMatchObject({ ok: false });
  });

  it('refuses at run time a decision forged with a cast', () => {
    const tokens = createApprovalTokens({ secret: SECRET, ids, consumed: new Set() });
    const forged = { decisionBeadId: 'x', intentId: 'intent-1', contentHash: HASH, approver: 'bot', channel: 'TELEGRAM' } as unknown as RecordedHumanDecision;
    expect(tokens.mint({ decision: forged, contentHash: HASH, binding: BINDING, expiresAt: T0 + 1 })).toMatchObject({ ok: false });
  });

  it.each([
    ['a rejection', { decision: 'REJECT', decided_by: 'alice', channel: 'TELEGRAM' }],
    ['no decision', { decided_by: 'alice', channel: 'TELEGRAM' }],
    ['no person', { decision: 'APPROVE', channel: 'TELEGRAM' }],
    ['no channel', { decision: 'APPROVE', decided_by: 'alice' }],
    ['not a decision', { event: 'EVIDENCE_SHOWN', decision: 'APPROVE', decided_by: 'alice', channel: 'TERMINAL' }],
  ] as const)('refuses %s as a decision', (_, data) => {
    expect(recordedHumanDecision(approvalBead(data), ATTESTED).ok).toBe(false);
  });

  it('refuses a bead of another type, and an approval on the wrong stream', () => {
    const drill = stampAt({ bead_type: 'DRILL', stream: 'drill', correlation_id: 'x', data: { runbook_id: 'RB-004', event: 'STARTED' } }, T0);
    expect(recordedHumanDecision(drill, ATTESTED).ok).toBe(false);
    const elsewhere = stampAt(
      { bead_type: 'APPROVAL', stream: 'approval-other', correlation_id: 'x', data: { intent_id: 'intent-1', event: 'DECISION', decision: 'APPROVE', decided_by: 'a', channel: 'TERMINAL' } },
      T0,
    );
    expect(recordedHumanDecision(elsewhere, ATTESTED).ok).toBe(false);
  });

  it('binds the token to the hash the person approved', () => {
    const tokens = createApprovalTokens({ secret: SECRET, ids, consumed: new Set() });
    expect(tokens.mint({ decision: decisionOf(approve()), contentHash: 'sha256:other', binding: BINDING, expiresAt: T0 + 1 })).toMatchObject({ ok: false });
  });

  it('issue 17: no token for a decision the host did not verify, none for another order than the one approved, and one decision yields one token', () => {
    const tokens = createApprovalTokens({ secret: SECRET, ids, consumed: new Set() });
    expect(recordedHumanDecision(approve(), undefined)).toMatchObject({ ok: false, why: expect.stringMatching(/not verified/) });
    const bigger = testBinding('intent-1', { units: 5_000_000, action: 'SELL' });
    expect(tokens.mint({ decision: decisionOf(approve()), contentHash: HASH, binding: bigger, expiresAt: T0 + 1_000 })).toMatchObject({ ok: false, why: expect.stringMatching(/order differs/) });
    const decision = decisionOf(approve());
    expect(tokens.mint({ decision, contentHash: HASH, binding: BINDING, expiresAt: T0 + 1_000 }).ok).toBe(true);
    expect(tokens.mint({ decision, contentHash: HASH, binding: BINDING, expiresAt: T0 + 1_000 })).toMatchObject({ ok: false, why: expect.stringMatching(/one decision, one token/) });
  });

  it('issue 17: a token redeems only for the tickets of the order it was bound to', () => {
    const { tokens, token } = fixture();
    expect(tokens.verify(token, { ...expect1, bindingHash: testBindingHash(testBinding('intent-1', { units: 5_000_000 })) })).toMatchObject({ ok: false, code: 'WRONG_ORDER' });
  });
});
