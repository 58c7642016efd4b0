import { type Intent, intentSide, type Mode, pipSize } from '../../beads/index.ts';
import { gateResults } from '../../projections/gates.ts';
import { openPositions } from '../../projections/positions.ts';
import type { ApprovalEvidence, EvidencePosition } from '../../machines/approval.ts';
import { quoteCurrency, roundMoney } from '../../machines/tradeArithmetic.ts';
import { isoAt } from '../clock.ts';
import type { AccountSummary } from '../broker/connector.ts';
import type { FlowViews } from './flowViews.ts';
import type { Quote } from './priceBook.ts';

/**
 * The evidence bundle (S3.2): everything a person sees before deciding,
 * assembled from the projections, the broker's current price and account,
 * the latest heartbeat and the mode. It is recorded whole in the
 * EVIDENCE_SHOWN bead, so what was shown is what the log says was shown.
 */

export interface EvidenceSources {
  intent: Intent;
  contentHash: string;
  now: number;
  staleGateMs: number;
  units: number;
  mode: Mode;
  quote: Quote | undefined;
  account: AccountSummary | undefined;
  views: FlowViews;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The paper gates P1-2 and P1-3 are the ones this flow moves; all are listed. */
function paperValidation(views: FlowViews): ApprovalEvidence['paper_validation'] {
  const gates = gateResults(views.gates).map((g) => ({
    id: g.id,
    name: g.name,
    status: g.status,
    detail: g.detail,
  }));
  const met = gates.filter((g) => g.status === 'MET').length;
  const trade = gates.filter((g) => g.id === 'P1-2' || g.id === 'P1-3').map((g) => `${g.id} ${g.status}: ${g.detail}`);
  return {
    summary: `${met}/${gates.length} phase-1 gates met; ${trade.join('; ')}`,
    gates,
  };
}

function balanceOf(account: AccountSummary | undefined): {
  balance: number | null;
  currency: string | null;
} {
  const row = account?.values.NetLiquidation ?? account?.values.TotalCashValue;
  const balance = row === undefined ? Number.NaN : Number(row.value);
  return Number.isFinite(balance) && row ? { balance, currency: row.currency } : { balance: null, currency: null };
}

export function assembleEvidence(s: EvidenceSources): ApprovalEvidence {
  const { intent, quote, views } = s;
  const side = intentSide(intent);
  const pip = pipSize(intent.pair);
  const risk = Math.abs(intent.entry - intent.stop);
  const reward = Math.abs(intent.target - intent.entry);
  const anchorAt = Date.parse(intent.created_at);
  const toStopFromPrice = quote === undefined ? null : round1((side === 'LONG' ? quote.mid - intent.stop : intent.stop - quote.mid) / pip);
  const open: EvidencePosition[] = openPositions(views.positions).map((p) => ({
    position_id: p.position_id,
    pair: p.pair,
    side: p.side,
    quantity: p.quantity,
    state: p.state,
    ...(p.unrealised_pnl === undefined ? {} : { unrealised_pnl: p.unrealised_pnl }),
  }));
  return {
    intent,
    content_hash: s.contentHash,
    price:
      quote === undefined
        ? null
        : {
            mid: quote.mid,
            at: isoAt(quote.at),
            ...(quote.bid === undefined ? {} : { bid: quote.bid }),
            ...(quote.ask === undefined ? {} : { ask: quote.ask }),
          },
    anchor: {
      created_at: intent.created_at,
      age_s: Math.max(0, s.now - anchorAt) / 1000,
      stale_after_s: s.staleGateMs / 1000,
    },
    risk: {
      side,
      units: s.units,
      pips_to_stop: round1(risk / pip),
      pips_to_target: round1(reward / pip),
      pips_price_to_stop: toStopFromPrice,
      money_at_risk: roundMoney(risk * s.units),
      money_to_target: roundMoney(reward * s.units),
      reward_to_risk: Math.round((reward / risk) * 100) / 100,
      currency: quoteCurrency(intent.pair),
    },
    account: { ...balanceOf(s.account), open_positions: open },
    health: {
      status: views.lastHeartbeat?.status ?? null,
      checked_at: views.lastHeartbeat?.ts ?? null,
      mode: s.mode,
    },
    paper_validation: paperValidation(views),
    assembled_at: isoAt(s.now),
  };
}
