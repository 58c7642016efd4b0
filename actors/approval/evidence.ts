import { type Intent, intentSide, type Mode, pipSize } from '../../beads/index.ts';
import type { ApprovalEvidence, EvidenceGate, EvidencePosition } from '../../machines/approval.ts';
import { pipsInFavour, quoteCurrency, roundMoney } from '../../machines/tradeArithmetic.ts';
import type { GateResult } from '../../projections/gates.ts';
import type { PositionRecord } from '../../projections/positions.ts';

/**
 * The evidence bundle (S3.2) put together from what the host already knows:
 * the intent, a current price, the configured units, the account, the open
 * positions, the health and the gates. Pure but for the clock reading the
 * caller passes in. The approval actor sends the result to the machine as
 * EVIDENCE_READY, or the reason as EVIDENCE_FAILED.
 */

export interface Quote {
  bid?: number;
  ask?: number;
  /** Epoch ms of the quote. */
  at: number;
}

export interface EvidenceInputs {
  intent: Intent;
  contentHash: string;
  /** Epoch ms, from the host's clock. */
  now: number;
  /** The stale gate as the machine has it (time-scaled). */
  staleGateMs: number;
  quote: Quote | undefined;
  /** ORDER_UNITS, already capped by MAX_ORDER_UNITS. */
  units: number;
  account: { balance: number; currency: string } | undefined;
  openPositions: readonly PositionRecord[];
  health: { status: string; checkedAt: string } | undefined;
  mode: Mode;
  gates: readonly GateResult[];
}

export type EvidenceOutcome = { ok: true; evidence: ApprovalEvidence } | { ok: false; reason: string };

const round1 = (x: number) => Math.round(x * 10) / 10 || 0;
const round2 = (x: number) => Math.round(x * 100) / 100 || 0;

function midOf(q: Quote): number | undefined {
  if (q.bid !== undefined && q.ask !== undefined) return (q.bid + q.ask) / 2;
  return q.bid ?? q.ask;
}

function paperProgress(gates: readonly GateResult[]): ApprovalEvidence['paper_validation'] {
  const shown: EvidenceGate[] = gates.map((g) => ({ id: g.id, name: g.name, status: g.status, detail: g.detail }));
  const p12 = gates.find((g) => g.id === 'P1-2');
  const p13 = gates.find((g) => g.id === 'P1-3');
  const met = gates.filter((g) => g.status === 'MET').length;
  const summary = [
    `${met}/${gates.length} phase-1 gates met`,
    p12 ? `P1-2 ${p12.status === 'MET' ? 'met' : 'not met'}` : undefined,
    p13 ? `P1-3 ${p13.detail}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return { summary, gates: shown };
}

function positionsShown(positions: readonly PositionRecord[]): EvidencePosition[] {
  return positions.map((p) => ({
    position_id: p.position_id,
    pair: p.pair,
    side: p.side,
    quantity: p.quantity,
    state: p.state,
    ...(p.unrealised_pnl === undefined ? {} : { unrealised_pnl: p.unrealised_pnl }),
  }));
}

/** The bundle, or why it cannot be shown. Without a current price there is nothing honest to show. */
export function assembleEvidence(inputs: EvidenceInputs): EvidenceOutcome {
  const { intent, quote } = inputs;
  const mid = quote === undefined ? undefined : midOf(quote);
  if (quote === undefined || mid === undefined || !Number.isFinite(mid)) return { ok: false, reason: `no current ${intent.pair} price to show` };
  const side = intentSide(intent);
  const pip = pipSize(intent.pair);
  const risk = Math.abs(intent.entry - intent.stop);
  const reward = Math.abs(intent.target - intent.entry);
  const anchorAt = Date.parse(intent.created_at);
  const evidence: ApprovalEvidence = {
    intent,
    content_hash: inputs.contentHash,
    price: {
      // The average of two quotes carries float noise; a hundredth of a pip is plenty.
      mid: Number(mid.toFixed(intent.pair.endsWith('JPY') ? 4 : 6)),
      at: new Date(quote.at).toISOString(),
      ...(quote.bid === undefined ? {} : { bid: quote.bid }),
      ...(quote.ask === undefined ? {} : { ask: quote.ask }),
    },
    anchor: { created_at: intent.created_at, age_s: Math.max(0, inputs.now - anchorAt) / 1000, stale_after_s: inputs.staleGateMs / 1000 },
    risk: {
      side,
      units: inputs.units,
      pips_to_stop: round1(risk / pip),
      pips_to_target: round1(reward / pip),
      pips_price_to_stop: pipsInFavour(intent.pair, side, intent.stop, mid),
      money_at_risk: roundMoney(risk * inputs.units),
      money_to_target: roundMoney(reward * inputs.units),
      reward_to_risk: round2(reward / risk),
      currency: quoteCurrency(intent.pair),
    },
    account: {
      balance: inputs.account?.balance ?? null,
      currency: inputs.account?.currency ?? null,
      open_positions: positionsShown(inputs.openPositions),
    },
    health: { status: inputs.health?.status ?? null, checked_at: inputs.health?.checkedAt ?? null, mode: inputs.mode },
    paper_validation: paperProgress(inputs.gates),
    assembled_at: new Date(inputs.now).toISOString(),
  };
  return { ok: true, evidence };
}

/** Things a person should not miss, in words; the renderers put them first. */
export function evidenceWarnings(e: ApprovalEvidence): string[] {
  const warnings: string[] = [];
  if (e.health.mode === 'LIVE') warnings.push('LIVE account: this order uses real money');
  if (e.risk.pips_price_to_stop !== null && e.risk.pips_price_to_stop <= 0) {
    warnings.push(`the current price is already ${Math.abs(e.risk.pips_price_to_stop)} pips through the stop`);
  }
  if (e.price !== null && pipsInFavour(e.intent.pair, e.risk.side, e.intent.target, e.price.mid) >= 0) {
    warnings.push('the current price is already at or beyond the target');
  }
  if (e.health.status !== null && e.health.status !== 'HEALTHY') warnings.push(`health is ${e.health.status}`);
  if (e.health.status === null) warnings.push('no heartbeat recorded yet: health unknown');
  return warnings;
}
