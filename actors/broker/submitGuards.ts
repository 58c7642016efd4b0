import { type Bead, type BeadDraft, PAIRS, type Pair, streams } from '../../beads/index.ts';
import type { KillSwitchEvent } from '../../machines/killswitch.ts';
import type { AlertRequest } from '../../machines/types.ts';
import { isLogUnavailable } from '../../store/errors.ts';
import { accountPrefixProblem, portProblem } from './startupGuards.ts';
import { bindingHash } from '../../runtime/orderBinding.ts';
import { bracketProblem, unitsProblem } from './bindingGuard.ts';
import { isIssuedToken } from './tokens.ts';

import type { OrderTicket, SubmitRequest, SubmitPorts, SubmitResult } from './submitTypes.ts';
export { SUBMIT_CHAIN } from './submitTypes.ts';
export type { SubmitStep, OrderTicket, EntryRequest, ExitRequest, ResendRequest, SubmitRequest, PacingVerdict, SubmitPacer, SessionFacts, SubmitConfig, SubmitPorts, SubmitResult } from './submitTypes.ts';

/**
 * The submit guard chain (S4.1), run before every order in exactly this
 * order. A refusal happens before any byte reaches the broker; the write-ahead
 * ORDER bead is appended before `send`, and if it cannot be, nothing is sent.
 */
type Refused = Extract<SubmitResult, { outcome: 'REFUSED' }>;

const correlationOf = (r: SubmitRequest) => (r.kind === 'ENTRY' ? r.approval.intentId : r.kind === 'RESEND' ? r.issued.intentId : r.correlationId);
const isPair = (s: string): s is Pair => (PAIRS as readonly string[]).includes(s);
const hasEntryOrder = (r: SubmitRequest) => r.kind !== 'EXIT' || r.orders.some((o) => o.role === 'ENTRY');
/** MAX_ORDER_UNITS's default, for ports built before it was passed. */
const DEFAULT_MAX_UNITS = 100_000;
/** Tokens whose bracket was re-sent in this process: a re-send goes once. */
const resentTokens = new Set<string>();

function violation(r: SubmitRequest, step: Refused['step'], reason: string, setKillFlag: boolean): Refused {
  const refs = r.orders.map((o) => o.orderRef).join(', ');
  const alert: AlertRequest = {
    type: 'alert',
    alertType: 'GUARD_VIOLATION',
    message: `Order ${refs} refused by the ${step} guard before sending: ${reason}`,
    dedupeKey: `GUARD_VIOLATION:${step}`,
    correlationId: correlationOf(r),
  };
  return setKillFlag
    ? { outcome: 'REFUSED', step, reason, alert, killFlag: { type: 'GUARD_VIOLATION', reason: `${step} guard: ${reason}` } }
    : { outcome: 'REFUSED', step, reason, alert };
}

function accountGuard(r: SubmitRequest, p: SubmitPorts): Refused | undefined {
  const { mode, IBKR_ACCOUNT: configured } = p.config;
  const problem =
    configured === undefined && mode !== 'MOCK'
      ? 'IBKR_ACCOUNT is not set'
      : configured !== undefined && r.account !== configured
        ? `order account ${r.account} is not IBKR_ACCOUNT ${configured}`
        : (accountPrefixProblem(mode, r.account) ??
          (p.session().managedAccounts.includes(r.account) ? undefined : `the gateway does not manage account ${r.account}`));
  return problem === undefined ? undefined : violation(r, 'ACCOUNT', problem, true);
}

function portGuard(r: SubmitRequest, p: SubmitPorts): Refused | undefined {
  const { mode } = p.config;
  const problem = portProblem(mode, p.config.ibkrPort, p.config) ?? portProblem(mode, p.session().port, p.config);
  return problem === undefined ? undefined : violation(r, 'PORT', problem, true);
}

function killFlagGuard(r: SubmitRequest, p: SubmitPorts): Refused | undefined {
  if (p.killFlag() !== 'SET' || !hasEntryOrder(r)) return undefined;
  // The flag has alerted already; refusing entries is it working, not a new violation.
  return { outcome: 'REFUSED', step: 'KILL_FLAG', reason: 'the kill flag is SET: new entries are refused until a person clears it' };
}

function activePairGuard(r: SubmitRequest, p: SubmitPorts): Refused | undefined {
  for (const o of r.orders) {
    if (!isPair(o.pair)) return violation(r, 'ACTIVE_PAIR', `unknown symbol ${o.pair} (known: ${PAIRS.join(', ')})`, false);
    // Exits may close a pair that has since left ACTIVE_PAIRS; only new risk is confined to the active ones.
    if (hasEntryOrder(r) && !p.config.ACTIVE_PAIRS.includes(o.pair)) {
      return violation(r, 'ACTIVE_PAIR', `${o.pair} is not in ACTIVE_PAIRS (${p.config.ACTIVE_PAIRS.join(', ')})`, false);
    }
  }
  return undefined;
}

/** Steps 1–4 in chain order: the first that refuses is the one reported. */
const SYNC_GUARDS = [accountGuard, portGuard, killFlagGuard, activePairGuard] as const;

function writeAheadDraft(r: SubmitRequest, o: OrderTicket, tokenId: string | undefined): BeadDraft {
  const reason =
    r.kind === 'ENTRY' ? `approved, token ${tokenId ?? '?'}` : r.kind === 'RESEND' ? `re-sent after a restart, token ${r.issued.tokenId}` : `${r.authority.who}: ${r.authority.reason}`;
  return {
    bead_type: 'ORDER',
    stream: streams.order(o.orderRef),
    correlation_id: correlationOf(r),
    data: {
      event: 'SUBMIT_REQUESTED',
      order_ref: o.orderRef,
      order_id: o.orderId,
      pair: o.pair as Pair,
      action: o.action,
      quantity: o.quantity,
      order_type: o.orderType,
      role: o.role,
      reason,
      ...(o.limitPrice === undefined ? {} : { limit_price: o.limitPrice }),
      ...(o.stopPrice === undefined ? {} : { stop_price: o.stopPrice }),
      ...(o.parentId === undefined ? {} : { parent_id: o.parentId }),
      ...(o.ocaGroup === undefined ? {} : { oca_group: o.ocaGroup }),
      ...(o.positionId === undefined ? {} : { position_id: o.positionId }),
    },
  };
}

export async function submitGuarded(r: SubmitRequest, p: SubmitPorts): Promise<SubmitResult> {
  const riders = r.kind === 'ENTRY' ? (r.recordWith ?? []) : [];
  const progress = { ridersWritten: riders.length === 0 };
  const result = await runChain(r, p, riders, progress);
  if (progress.ridersWritten || result.outcome !== 'REFUSED') return result;
  // The chain stopped before the write-ahead; what was to ride with it is still a fact. Bead ids make a retry harmless.
  try {
    await p.appendWriteAhead([], riders);
    return result;
  } catch (err) {
    return { ...result, reason: `${result.reason} (and ${riders.map((b) => b.bead_type).join(', ')} could not be recorded: ${messageOf(err)})` };
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function runChain(r: SubmitRequest, p: SubmitPorts, riders: readonly Bead[], progress: { ridersWritten: boolean }): Promise<SubmitResult> {
  for (const guard of SYNC_GUARDS) {
    const refused = guard(r, p);
    if (refused) return refused;
  }

  let tokenId: string | undefined;
  const step = tokenStep(r, p);
  if (!step.ok) return step.refused;
  tokenId = step.tokenId;
  const withToken = <T extends object>(x: T) => (tokenId === undefined ? x : { ...x, tokenId });

  const paced = await p.pacer.acquire(r.orders.length);
  if (!paced.ok) return withToken({ outcome: 'REFUSED', step: 'PACING', reason: paced.reason } as const);
  // Waiting for pacing takes time; a halt that landed meanwhile still stops the entry.
  const haltedMeanwhile = killFlagGuard(r, p);
  if (haltedMeanwhile) return withToken(haltedMeanwhile);

  // Every order of the request in one append: a bracket is one durable commit, not one per order.
  try {
    await p.appendWriteAhead(
      r.orders.map((o) => writeAheadDraft(r, o, tokenId)),
      riders,
    );
    progress.ridersWritten = true;
  } catch (err) {
    const refs = r.orders.map((o) => o.orderRef).join(', ');
    const reason = `write-ahead ORDER beads for ${refs} could not be appended: ${messageOf(err)}`;
    if (!isLogUnavailable(err)) return withToken({ outcome: 'REFUSED', step: 'WRITE_AHEAD', reason } as const);
    const alert: AlertRequest = {
      type: 'alert',
      alertType: 'LOG_UNAVAILABLE',
      message: `Event log unavailable: order ${refs} not sent. ${reason}`,
      dedupeKey: 'LOG_UNAVAILABLE',
      correlationId: correlationOf(r),
    };
    const killFlag: KillSwitchEvent = { type: 'LOG_UNAVAILABLE', reason };
    return withToken({ outcome: 'REFUSED', step: 'WRITE_AHEAD', reason, alert, killFlag } as const);
  }

  const sent: string[] = [];
  for (const o of r.orders) {
    // Issue 17: a halt between the write-ahead and the wire still stops an entry; what was written ahead is given up.
    if (hasEntryOrder(r) && p.killFlag() === 'SET') {
      const unsent = r.orders.map((x) => x.orderRef).filter((ref) => !sent.includes(ref));
      return withToken({ outcome: 'SEND_FAILED', reason: 'the kill flag was SET between the write-ahead and the send: not sent', sent, unsent } as const);
    }
    try {
      await p.send(o);
      sent.push(o.orderRef);
    } catch (err) {
      const unsent = r.orders.map((x) => x.orderRef).filter((ref) => !sent.includes(ref));
      const reason = `send failed for ${o.orderRef}: ${messageOf(err)}`;
      return withToken({ outcome: 'SEND_FAILED', reason, sent, unsent } as const);
    }
  }
  return withToken({ outcome: 'SENT', orderRefs: sent } as const);
}

type TokenStep = { ok: true; tokenId?: string } | { ok: false; refused: SubmitResult };

/**
 * Step 5 (issue 17): every ticket against MAX_ORDER_UNITS; an entry's token
 * redeemed against the order its tickets are, which must be the order the
 * person approved; a re-send held to the binding of the token its bracket was
 * issued under, once; no entry without one or the other.
 */
function tokenStep(r: SubmitRequest, p: SubmitPorts): TokenStep {
  const refuse = (reason: string): TokenStep => ({ ok: false, refused: violation(r, 'TOKEN', reason, false) });
  const units = unitsProblem(r.orders, p.config.MAX_ORDER_UNITS ?? DEFAULT_MAX_UNITS);
  if (units) return refuse(units);
  if (r.kind === 'EXIT') return hasEntryOrder(r) ? refuse('an ENTRY order needs an approval token') : { ok: true };
  if (r.kind === 'RESEND') {
    if (!isIssuedToken(r.issued)) return refuse('a re-send needs the token its bracket was issued under, read from the host\'s sealed TOKEN_ISSUED');
    const problem = bracketProblem(r.issued.binding, r.account, r.orders);
    if (problem) return refuse(`WRONG_ORDER: ${problem}`);
    if (resentTokens.has(r.issued.tokenId)) return refuse(`the bracket of token ${r.issued.tokenId} was already re-sent once`);
    resentTokens.add(r.issued.tokenId);
    return { ok: true, tokenId: r.issued.tokenId };
  }
  const problem = bracketProblem(r.approval.binding, r.account, r.orders);
  if (problem) return refuse(`WRONG_ORDER: ${problem}`);
  // Redeemed synchronously with the checks above: two submits racing with one token cannot both pass.
  const verdict = p.tokens.redeem(r.approval.token, { intentId: r.approval.intentId, contentHash: r.approval.contentHash, bindingHash: bindingHash(r.approval.binding), now: p.clock.now() });
  if (!verdict.ok) {
    return verdict.code === 'EXPIRED' ? { ok: false, refused: { outcome: 'REFUSED', step: 'TOKEN', reason: verdict.why } } : refuse(`${verdict.code}: ${verdict.why}`);
  }
  return { ok: true, tokenId: verdict.tokenId };
}
