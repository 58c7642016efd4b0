import type { Intent, Mode } from '../../beads/index.ts';
import type { ApprovalContext, ApprovalEvent } from '../../machines/approval.ts';
import type { ApprovalActorDeps } from './approvalDeps.ts';
import { bindingFor, unitsFor } from './entryBracket.ts';
import { openPositions } from '../../projections/positions.ts';
import { assembleEvidence, type EvidenceOutcome } from '../approval/evidence.ts';
import type { AccountSummary } from '../broker/connector.ts';
import type { FlowViews } from './flowViews.ts';
import type { Quote } from './priceBook.ts';

/**
 * The running flow's sources for the evidence bundle (S3.2). The bundle
 * itself, and the rule that without a current price there is nothing honest
 * to show, live in actors/approval/evidence.ts; this only gathers the inputs
 * from the broker's quote and account and the flow's projections.
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

function balanceOf(account: AccountSummary | undefined): { balance: number; currency: string } | undefined {
  const row = account?.values.NetLiquidation ?? account?.values.TotalCashValue;
  const balance = row === undefined ? Number.NaN : Number(row.value);
  return Number.isFinite(balance) && row ? { balance, currency: row.currency } : undefined;
}

export function evidenceFromFlow(s: EvidenceSources): EvidenceOutcome {
  const { quote, views } = s;
  return assembleEvidence({
    intent: s.intent,
    contentHash: s.contentHash,
    now: s.now,
    staleGateMs: s.staleGateMs,
    // A book that kept only a mid still shows it as the price.
    quote: quote === undefined ? undefined : { bid: quote.bid ?? quote.mid, ask: quote.ask ?? quote.mid, at: quote.at },
    units: s.units,
    account: balanceOf(s.account),
    openPositions: openPositions(views.positions),
    health: views.lastHeartbeat ? { status: views.lastHeartbeat.status, checkedAt: views.lastHeartbeat.ts } : undefined,
    mode: s.mode,
    gates: views.gateResults(),
  });
}

/**
 * The approval actor's evidence step: the bundle from the broker's quote and
 * account and the flow's views, with the exact order a person would approve
 * (issue 17), as the machine's next event.
 */
export async function evidenceEvent(deps: ApprovalActorDeps, c: ApprovalContext, quoteWaitMs: number): Promise<ApprovalEvent> {
  const { config, broker, prices, views, clock } = deps;
  const quote = await prices.waitForQuote(c.intent.pair, quoteWaitMs);
  const account = await broker.connector.accountSummary().catch(() => undefined);
  const units = unitsFor(config);
  const outcome = evidenceFromFlow({ intent: c.intent, contentHash: c.contentHash, now: clock.now(), staleGateMs: c.staleGateMs, units, mode: config.mode, quote, account, views });
  if (!outcome.ok) return { type: 'EVIDENCE_FAILED', reason: outcome.reason, at: clock.now() };
  return { type: 'EVIDENCE_READY', evidence: { ...outcome.evidence, order: bindingFor(c.intent, units, broker.account) }, at: clock.now() };
}
