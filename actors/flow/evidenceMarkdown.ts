import type { ApprovalEvidence } from '../../machines/approval.ts';
import { mdText, renderIntentTable } from '../intents/index.ts';

/**
 * response.md for a READY intent once its evidence is shown, and again when
 * the approval ends: the file the operator (and the signal side) read back.
 */

const money = (x: number, ccy: string) => `${x.toFixed(2)} ${ccy}`;

export function renderEvidence(e: ApprovalEvidence, staleAt: string): string {
  const id = e.intent.intent_id;
  const r = e.risk;
  const price = e.price
    ? `${e.price.mid}${e.price.bid !== undefined && e.price.ask !== undefined ? ` (bid ${e.price.bid} / ask ${e.price.ask})` : ''} at ${e.price.at}`
    : 'no quote from the broker yet';
  const positions = e.account.open_positions.length
    ? e.account.open_positions.map((p) => `- \`${mdText(p.position_id)}\` ${p.side} ${p.quantity} ${p.pair} (${p.state})`)
    : ['- none'];
  return [
    `# Evidence for \`${id}\`: awaiting your decision`,
    '',
    renderIntentTable(e.intent),
    '',
    '## Market and anchor',
    '',
    `- current price: ${price}`,
    `- anchor age: ${e.anchor.age_s.toFixed(1)} s (stale after ${e.anchor.stale_after_s.toFixed(1)} s, at ${staleAt})`,
    '',
    '## Risk',
    '',
    `- ${r.side} ${r.units} units`,
    `- pips to stop: ${r.pips_to_stop}; pips to target: ${r.pips_to_target}; from the current price to the stop: ${r.pips_price_to_stop ?? 'unknown'}`,
    `- money at risk: ${money(r.money_at_risk, r.currency)}; to target: ${money(r.money_to_target, r.currency)}; reward : risk ${r.reward_to_risk}`,
    '',
    '## Account',
    '',
    `- balance: ${e.account.balance === null ? 'unknown' : `${e.account.balance} ${e.account.currency ?? ''}`}`,
    '- open positions:',
    ...positions,
    '',
    '## Health and mode',
    '',
    `- health: ${e.health.status ?? 'no heartbeat yet'}${e.health.checked_at ? ` (${e.health.checked_at})` : ''}; mode: ${e.health.mode}`,
    `- paper validation: ${mdText(e.paper_validation.summary)}`,
    '',
    '## Decide',
    '',
    `- approve: \`phoenix approve ${id}\` (or the Telegram button)`,
    `- reject: \`phoenix reject ${id} --reason "..."\``,
    '',
    `Content sha256 \`${e.content_hash}\`; assembled at ${e.assembled_at}.`,
  ].join('\n');
}

/** The approval's end, written over the evidence so the file always says where things stand. */
export function renderApprovalEnd(intentId: string, state: string, detail: string): string {
  return [`# Approval \`${intentId}\`: ${state}`, '', mdText(detail), ''].join('\n');
}
