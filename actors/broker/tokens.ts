import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Bead, type BeadOf, type IdSource, streams } from '../../beads/index.ts';
import type { OrderBinding } from '../../machines/approvalVocabulary.ts';
import { bindingHash } from '../../runtime/orderBinding.ts';

/**
 * The T2 approval token (S3.2): an HMAC-SHA256 over the intent id, its content
 * hash, the approver and the expiry, keyed with APPROVAL_TOKEN_SECRET. It is
 * single-use and short-lived. Beads and logs carry its `tokenId` only; the
 * token string itself lives in memory between the approval and the submit.
 */

declare const recordedDecision: unique symbol;

/**
 * A person's APPROVE, as recorded in the log and verified by the host (its
 * ATTESTATION ACCEPTED). The brand can only come from
 * `recordedHumanDecision`, so `mint` cannot be called on anything else
 * (INV-NO-AUTO-APPROVAL); a forged cast is caught at run time as well.
 */
export interface RecordedHumanDecision {
  readonly decisionBeadId: string;
  readonly intentId: string;
  readonly contentHash: string | undefined;
  readonly approver: string;
  readonly channel: 'TERMINAL' | 'TELEGRAM';
  /** The exact order the person approved (issue 17). */
  readonly binding: OrderBinding | undefined;
  /** The host's ATTESTATION ACCEPTED of this decision. */
  readonly attestationId: string;
  readonly [recordedDecision]: true;
}

const genuine = new WeakSet<object>();

export type Refusal = { ok: false; why: string };

/**
 * Reads a stored APPROVAL DECISION bead the host has verified (`attested`:
 * the id of its ATTESTATION ACCEPTED); anything but a person's APPROVE on a
 * known channel is refused.
 */
export function recordedHumanDecision(bead: Bead, attested: { attestationId: string } | undefined): { ok: true; decision: RecordedHumanDecision } | Refusal {
  if (!attested?.attestationId) return { ok: false, why: 'the host has not verified this decision (no ATTESTATION ACCEPTED): a token needs a verified human decision' };
  if (bead.bead_type !== 'APPROVAL') return { ok: false, why: `a ${bead.bead_type} bead is not an approval decision` };
  const d = bead.data;
  if (d.event !== 'DECISION') return { ok: false, why: `an APPROVAL ${d.event} bead is not a decision` };
  if (d.decision !== 'APPROVE') return { ok: false, why: `the decision was ${d.decision ?? 'missing'}, not APPROVE` };
  if (!d.decided_by?.trim()) return { ok: false, why: 'the decision names no person' };
  if (d.channel === undefined) return { ok: false, why: 'the decision names no authenticated channel' };
  if (bead.stream !== streams.approval(d.intent_id)) return { ok: false, why: `the decision is not on ${streams.approval(d.intent_id)}` };
  const decision = {
    decisionBeadId: bead.bead_id,
    intentId: d.intent_id,
    contentHash: d.content_hash,
    approver: d.decided_by,
    channel: d.channel,
    binding: d.binding,
    attestationId: attested.attestationId,
  } as RecordedHumanDecision;
  genuine.add(decision);
  return { ok: true, decision };
}

export interface MintRequest {
  decision: RecordedHumanDecision;
  /** The content hash of exactly the intent that was shown. */
  contentHash: string;
  /** The exact order that was shown and approved; the token is bound to its hash. */
  binding: OrderBinding;
  /** Epoch ms; the caller adds APPROVAL_TOKEN_TTL_S to its clock. */
  expiresAt: number;
}

export interface MintedToken {
  ok: true;
  tokenId: string;
  /** Secret-bearing: never into a bead, a log line or a message. */
  token: string;
  expiresAt: number;
}

export type TokenRefusalCode = 'MALFORMED' | 'BAD_SIGNATURE' | 'WRONG_INTENT' | 'WRONG_HASH' | 'WRONG_ORDER' | 'ALREADY_CONSUMED' | 'EXPIRED';

export type TokenVerdict =
  | { ok: true; tokenId: string; intentId: string; contentHash: string; approver: string; expiresAt: number; decisionBeadId: string; bindingHash: string }
  | { ok: false; code: TokenRefusalCode; why: string; tokenId?: string };

export interface TokenExpectation {
  intentId: string;
  contentHash: string;
  /** The hash of the order about to go out, as the guard chain reads it from the tickets' binding. */
  bindingHash: string;
  /** Epoch ms. */
  now: number;
}

/** Tokens already used. The caller seeds it from CONSUMED beads (`consumedTokenIds`) so use survives restarts. */
export interface ConsumedTokens {
  has(tokenId: string): boolean;
  add(tokenId: string): void;
}

export function consumedTokenIds(beads: Iterable<Bead>): Set<string> {
  const ids = new Set<string>();
  for (const b of beads) {
    if (b.bead_type === 'APPROVAL' && b.data.event === 'CONSUMED' && b.data.token_id) ids.add(b.data.token_id);
  }
  return ids;
}

interface Payload {
  v: 2;
  tid: string;
  iid: string;
  h: string;
  /** The hash of the exact order approved (issue 17). */
  b: string;
  apr: string;
  exp: number;
  dec: string;
}

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64url');

function readPayload(part: string): Payload | undefined {
  try {
    const p = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Partial<Payload>;
    const strings = [p.tid, p.iid, p.h, p.b, p.apr, p.dec].every((x) => typeof x === 'string');
    return p.v === 2 && strings && typeof p.exp === 'number' && Number.isFinite(p.exp) ? (p as Payload) : undefined;
  } catch {
    return undefined;
  }
}

/** The token id without checking anything: for correlating a refusal, never for trusting one. */
export function tokenIdOf(token: string): string | undefined {
  return readPayload(token.split('.')[0] ?? '')?.tid;
}

export interface ApprovalTokens {
  mint(request: MintRequest): MintedToken | Refusal;
  /** Checks a token against the order about to go out, without using it up. */
  verify(token: string, expect: TokenExpectation): TokenVerdict;
  /**
   * Verifies and marks the token consumed in one synchronous step, so two
   * submits racing with one token cannot both pass. The caller records the
   * CONSUMED bead with the returned `tokenId`.
   */
  redeem(token: string, expect: TokenExpectation): TokenVerdict;
}

export function createApprovalTokens(deps: { secret: string; ids: IdSource; consumed: ConsumedTokens }): ApprovalTokens {
  if (deps.secret.length < 32) throw new Error('APPROVAL_TOKEN_SECRET must be at least 32 characters');
  const sign = (part: string) => createHmac('sha256', deps.secret).update(part).digest();
  /** One decision, one token (issue 17): a decision already minted from is refused a second token. */
  const mintedFor = new Set<string>();

  function mint(request: MintRequest): MintedToken | Refusal {
    const { decision, contentHash, expiresAt, binding } = request;
    if (!genuine.has(decision)) return { ok: false, why: 'no recorded human decision: a token needs one read from the log' };
    if (decision.contentHash !== undefined && decision.contentHash !== contentHash) {
      return { ok: false, why: 'the content hash differs from the one the person approved' };
    }
    if (decision.binding === undefined || bindingHash(decision.binding) !== bindingHash(binding)) {
      return { ok: false, why: 'the order differs from the one the person approved (account, pair, side, units, prices or refs)' };
    }
    if (mintedFor.has(decision.decisionBeadId)) return { ok: false, why: `decision ${decision.decisionBeadId} already had its token: one decision, one token` };
    if (!Number.isFinite(expiresAt)) return { ok: false, why: 'the expiry is not a time' };
    mintedFor.add(decision.decisionBeadId);
    const payload: Payload = {
      v: 2,
      tid: deps.ids.next(),
      iid: decision.intentId,
      h: contentHash,
      b: bindingHash(binding),
      apr: decision.approver,
      exp: expiresAt,
      dec: decision.decisionBeadId,
    };
    const part = b64(JSON.stringify(payload));
    return { ok: true, tokenId: payload.tid, token: `${part}.${b64(sign(part))}`, expiresAt };
  }

  function verify(token: string, expect: TokenExpectation): TokenVerdict {
    const [part, sig, extra] = token.split('.');
    if (part === undefined || sig === undefined || extra !== undefined) return { ok: false, code: 'MALFORMED', why: 'not an approval token' };
    const given = Buffer.from(sig, 'base64url');
    const wanted = sign(part);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      return { ok: false, code: 'BAD_SIGNATURE', why: 'the token signature does not match: tampered or signed with another secret' };
    }
    const p = readPayload(part);
    if (p === undefined) return { ok: false, code: 'MALFORMED', why: 'the token payload is unreadable' };
    const refuse = (code: TokenRefusalCode, why: string): TokenVerdict => ({ ok: false, code, why, tokenId: p.tid });
    if (p.iid !== expect.intentId) return refuse('WRONG_INTENT', `the token approves intent ${p.iid}, not ${expect.intentId}`);
    if (p.h !== expect.contentHash) return refuse('WRONG_HASH', 'the order differs from the one the person approved (content hash)');
    if (p.b !== expect.bindingHash) return refuse('WRONG_ORDER', 'the tickets are not the order the person approved (account, pair, side, units, prices or refs)');
    if (deps.consumed.has(p.tid)) return refuse('ALREADY_CONSUMED', `token ${p.tid} was already used`);
    if (expect.now >= p.exp) return refuse('EXPIRED', `token ${p.tid} expired ${Math.round((expect.now - p.exp) / 1000)} s ago`);
    return { ok: true, tokenId: p.tid, intentId: p.iid, contentHash: p.h, approver: p.apr, expiresAt: p.exp, decisionBeadId: p.dec, bindingHash: p.b };
  }

  function redeem(token: string, expect: TokenExpectation): TokenVerdict {
    const verdict = verify(token, expect);
    if (verdict.ok) deps.consumed.add(verdict.tokenId);
    return verdict;
  }

  return { mint, verify, redeem };
}

declare const issuedToken: unique symbol;

/**
 * A token this host issued, as its sealed TOKEN_ISSUED bead records it: the
 * only thing a re-send after a crash may present (issue 17). It carries no
 * secret and mints nothing; the guard chain holds the re-sent tickets to its
 * binding, once.
 */
export interface IssuedToken {
  readonly tokenId: string;
  readonly intentId: string;
  readonly binding: OrderBinding;
  readonly bindingHash: string;
  readonly [issuedToken]: true;
}

const issued = new WeakSet<object>();

/** `proven`: the bead is sealed by this host's chain (or the log keeps no chain, in tests). */
export function issuedTokenOf(bead: BeadOf<'APPROVAL'>, proven: boolean): { ok: true; token: IssuedToken } | Refusal {
  const d = bead.data;
  if (d.event !== 'TOKEN_ISSUED' || !d.token_id) return { ok: false, why: 'not a TOKEN_ISSUED bead' };
  if (!proven) return { ok: false, why: `TOKEN_ISSUED ${bead.bead_id} is not sealed by this host: it proves nothing` };
  if (!d.binding) return { ok: false, why: `token ${d.token_id} names no order: it cannot cover a re-send` };
  const token = { tokenId: d.token_id, intentId: d.intent_id, binding: d.binding, bindingHash: bindingHash(d.binding) } as IssuedToken;
  issued.add(token);
  return { ok: true, token };
}

export function isIssuedToken(token: IssuedToken): boolean {
  return issued.has(token);
}
