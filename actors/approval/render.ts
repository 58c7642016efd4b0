import { describeAge } from '../../machines/approval.ts';
import { convertMoney, moneyInBoth } from '../../machines/tradeArithmetic.ts';
import type { ApprovalEvidence, OrderBinding } from '../../machines/approval.ts';
import { mdText, renderIntentTable, writeResponse } from '../intents/index.ts';
import { evidenceWarnings } from './evidence.ts';

/**
 * The evidence bundle for people: as markdown in PHOENIX_HOME/responses/
 * response.md (through the intent seam's writer and its intent table, so
 * the file keeps one look whoever writes it), as text for the terminal
 * that `phoenix approve` asks in and for Telegram, and as rows for the
 * dashboard, which lays them out itself.
 */

export interface EvidenceRecord {
  /** The EVIDENCE_SHOWN bead, when rendering from the log. */
  beadId?: string;
  stream?: string;
  /** ISO time the anchor turns stale: decide before it. */
  staleAt?: string;
}

const money = (x: number, ccy: string) => `${x.toFixed(2)} ${ccy}`;

/** Risk money in the pair's quote currency and, converted at the bundle's own price, in the account's. */
function riskMoney(e: ApprovalEvidence, amount: number): string {
  const account = e.account.currency;
  const mid = e.price?.mid;
  const converted = account ? convertMoney(amount, e.risk.currency, account, (pair) => (pair === e.intent.pair ? mid : undefined)) : undefined;
  return moneyInBoth(amount, e.risk.currency, converted, account);
}

function priceLine(e: ApprovalEvidence): string {
  if (e.price === null) return 'no current price';
  const quotes = [e.price.bid === undefined ? undefined : `bid ${e.price.bid}`, e.price.ask === undefined ? undefined : `ask ${e.price.ask}`].filter(Boolean);
  return `${e.price.mid}${quotes.length ? ` (${quotes.join(', ')})` : ''} at ${e.price.at}`;
}

function stopLine(e: ApprovalEvidence): string {
  const fromPrice = e.risk.pips_price_to_stop === null ? '' : `; ${e.risk.pips_price_to_stop} from the current price`;
  return `${e.risk.pips_to_stop} pips from the entry${fromPrice}`;
}

/** One labelled fact: the terminal aligns them, response.md tabulates them, the dashboard lists them. */
export type EvidenceRow = [label: string, value: string];

export interface EvidenceSection {
  title: string;
  rows: EvidenceRow[];
}

function intentSection(e: ApprovalEvidence): EvidenceSection {
  const i = e.intent;
  return {
    title: 'Intent',
    rows: [
      ['intent', `${i.intent_id} (${i.signal}, ${i.setup_type}, confidence ${i.confidence})`],
      ['order', `${e.risk.side} ${e.risk.units} ${i.pair}: entry ${i.entry}, stop ${i.stop}, target ${i.target}`],
      ['anchor', `created ${i.created_at}`],
    ],
  };
}

function bundleSections(e: ApprovalEvidence): EvidenceSection[] {
  const positions = e.account.open_positions.length === 0 ? 'none' : e.account.open_positions.map((p) => `${p.position_id} ${p.side} ${p.quantity} ${p.pair} ${p.state}`).join('; ');
  return [
    {
      title: 'Now',
      rows: [
        ['current price', priceLine(e)],
        ['anchor age', `${describeAge(e.anchor.age_s * 1000)} (stale after ${describeAge(e.anchor.stale_after_s * 1000)})`],
      ],
    },
    {
      title: 'Risk',
      rows: [
        ['side and units', `${e.risk.side} ${e.risk.units}`],
        ['pips to stop', stopLine(e)],
        ['pips to target', String(e.risk.pips_to_target)],
        ['money at risk', riskMoney(e, e.risk.money_at_risk)],
        ['money to target', riskMoney(e, e.risk.money_to_target)],
        ['reward : risk', e.risk.reward_to_risk.toFixed(2)],
      ],
    },
    {
      title: 'Account',
      rows: [
        ['balance', e.account.balance === null ? 'unknown (no account summary yet)' : money(e.account.balance, e.account.currency ?? '')],
        ['open positions', positions],
      ],
    },
    {
      title: 'Health',
      rows: [
        ['status', e.health.status === null ? 'unknown' : `${e.health.status}${e.health.checked_at ? ` at ${e.health.checked_at}` : ''}`],
        ['mode', e.health.mode],
      ],
    },
    {
      title: 'Paper validation',
      rows: [['progress', e.paper_validation.summary], ...e.paper_validation.gates.map((g): EvidenceRow => [`${g.id} ${g.name}`, `${g.status}: ${g.detail}`])],
    },
  ];
}

/**
 * The bundle as titled sections of rows: the one wording of the evidence that
 * the terminal, Telegram and the dashboard all show. response.md keeps the
 * intent seam's own intent table in place of the first section.
 */
export function evidenceSections(e: ApprovalEvidence): EvidenceSection[] {
  return [intentSection(e), ...bundleSections(e)];
}

function decideLines(id: string): string[] {
  return [`  phoenix approve ${id}`, `  phoenix reject ${id} --reason "…"`, '  or the APPROVE / REJECT buttons on Telegram'];
}

export function renderEvidenceMarkdown(e: ApprovalEvidence, record: EvidenceRecord = {}): string {
  const id = e.intent.intent_id;
  const warnings = evidenceWarnings(e);
  const sections = bundleSections(e).flatMap(({ title, rows }) => [`## ${title}`, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${mdText(v)} |`), '']);
  return [
    `# Approval needed: \`${id}\` ${e.risk.side} ${e.risk.units} ${e.intent.pair}`,
    '',
    record.staleAt ? `Decide before **${record.staleAt}**: after that the anchor is stale and the approval is blocked (STATE_CONFLICT).` : 'Decide before the anchor turns stale.',
    '',
    ...(warnings.length ? [...warnings.map((w) => `> **Warning:** ${mdText(w)}`), ''] : []),
    renderIntentTable(e.intent),
    '',
    ...sections,
    '## Decide',
    '',
    '```',
    ...decideLines(id),
    '```',
    '',
    'Nothing reaches the broker until a person approves.',
    '',
    '## Record',
    '',
    `- content sha256: \`${e.content_hash}\``,
    ...(record.beadId ? [`- EVIDENCE_SHOWN bead \`${record.beadId}\` on stream \`${record.stream ?? `approval-${id}`}\``] : []),
    `- assembled at ${e.assembled_at}`,
  ].join('\n');
}

/** Plain text for the terminal: the same facts, aligned. */
export function renderEvidenceText(e: ApprovalEvidence, record: EvidenceRecord = {}): string {
  const i = e.intent;
  const all = evidenceSections(e);
  const width = Math.max(...all.flatMap(({ rows }) => rows.map(([k]) => k.length)));
  const warnings = evidenceWarnings(e);
  return [
    `Approval needed: ${i.intent_id} ${e.risk.side} ${e.risk.units} ${i.pair}${record.staleAt ? ` — decide before ${record.staleAt}` : ''}`,
    ...warnings.map((w) => `!! ${w}`),
    ...all.flatMap(({ title, rows }) => ['', `${title}:`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)]),
    '',
    `content sha256 ${e.content_hash}${record.beadId ? `; EVIDENCE_SHOWN bead ${record.beadId}` : ''}`,
  ].join('\n');
}

/** Puts the bundle in response.md for whoever watches the file; returns its path. */
export function writeEvidenceResponse(homeDir: string, e: ApprovalEvidence, record: EvidenceRecord = {}): Promise<string> {
  return writeResponse(homeDir, renderEvidenceMarkdown(e, record));
}

/** The order as a person confirms it (issue 17): side, units, pair, prices, refs, account. */
export function describeOrder(o: OrderBinding): string {
  return `${o.action} ${o.units.toLocaleString('en-US')} ${o.pair} at market on ${o.account}, stop ${o.stop}, target ${o.target} (refs ${o.order_refs.entry}, ${o.order_refs.target}, ${o.order_refs.stop})`;
}
