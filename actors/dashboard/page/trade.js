// The trading panels: positions with their live marks, the equity chart, pending approvals with their countdown.
import { drawEquity } from './charts.js';
import { duration, empty, fill, h, hhmmss, moneyBoth, moneyTotal, num, pairs, serverNow, table, tag } from './format.js';

function markCell(p) {
  if (!p.mark) return h('span', { class: 'muted', title: 'no price from the broker yet' }, '—');
  return h('span', { title: `bid ${p.mark.bid ?? '—'} · ask ${p.mark.ask ?? '—'}` }, String(p.mark.price), h('br'), h('span', { class: 'small muted' }, hhmmss(p.mark.at)));
}

function levelCell(level, pips) {
  if (pips === undefined) return num(level);
  return h('span', {}, num(level), h('br'), h('span', { class: `small ${pips <= 0 ? 'neg' : 'muted'}` }, `${pips} pips`));
}

function openRow(p) {
  return [
    p.position_id,
    p.pair,
    p.side,
    num(p.quantity),
    num(p.avg_price),
    markCell(p),
    levelCell(p.stop, p.mark?.pips_to_stop),
    levelCell(p.target, p.mark?.pips_to_target),
    tag(p.state),
    moneyBoth(p.unrealised_pnl, p.currency, p.unrealised_account),
  ];
}

function closedRow(p) {
  return [p.position_id, p.pair, p.side, num(p.quantity), num(p.avg_price), hhmmss(p.updated_at), tag(p.state), moneyBoth(p.realised_pnl, p.currency, p.realised_account)];
}

export function renderPositions(v) {
  const p = v.positions;
  fill('pnl-summary', 'unrealised ', moneyTotal(p.unrealised), ' · realised ', moneyTotal(p.realised));
  const marks = p.marks_at ? `live marks from the broker's ticks, newest ${hhmmss(p.marks_at)}` : "no live prices: P&L as of each position's last bead";
  fill(
    'positions',
    p.open.length
      ? [
          table(['id', 'pair', 'side', 'qty', 'avg', 'now', 'stop', 'target', 'state', 'unrealised'], p.open.map(openRow), [3, 4, 5, 6, 7, 9], { class: 'positions-open' }),
          h('p', { class: 'small muted' }, marks, p.account_currency ? ` · account currency ${p.account_currency}` : ''),
        ]
      : empty('no open positions'),
    p.not_shown ? h('p', { class: 'small muted' }, `+${p.not_shown} older open positions not shown`) : [],
    p.closed.length ? [h('h2', {}, 'Recently closed'), table(['id', 'pair', 'side', 'qty', 'avg', 'closed', 'state', 'realised'], p.closed.slice(0, 5).map(closedRow), [3, 4, 7])] : [],
  );
}

export function renderEquity(v) {
  const e = v.equity;
  const last = e.points.at(-1);
  fill(
    'equity-summary',
    e.currency && last ? [`now ${last.equity >= 0 ? '+' : ''}${last.equity.toFixed(2)} ${e.currency} at current rates`, e.missing.length ? ` · ${e.missing.join(', ')} not converted: no rate yet` : ''] : '',
  );
  const holder = document.getElementById('equity');
  if (!holder.querySelector('#equity-chart')) holder.replaceChildren(h('div', { id: 'equity-chart', class: 'chart' }));
  drawEquity('equity-chart', e);
}

// The server sends the evidence as the rows the terminal and Telegram show (actors/approval/render.ts); this only lays them out.
function evidence(shown) {
  if (!shown) return h('p', { class: 'empty' }, 'no evidence shown yet');
  return h(
    'div',
    { class: 'evidence' },
    h('h2', {}, 'Evidence'),
    shown.warnings.map((w) => h('p', { class: 'warning' }, w)),
    shown.note ? h('p', { class: 'empty' }, shown.note) : [],
    shown.sections.map((s) => h('section', { class: 'evidence-section' }, h('h4', {}, s.title), pairs(s.rows))),
  );
}

/** When the anchor was made: the age counts up from it every second. */
function anchorAt(a) {
  const created = a.evidence?.anchor?.created_at ?? a.evidence?.intent?.created_at;
  return typeof created === 'string' ? created : undefined;
}

export function renderApprovals(v) {
  const list = v.approvals.pending;
  fill(
    'approvals',
    list.length
      ? list.map((a) =>
          h(
            'div',
            { class: 'approval' },
            h('h3', {}, `${a.intent_id} `, tag(a.event), a.verdict ? [' ', tag(a.verdict === 'FRESH' ? 'PASS' : 'FAIL'), ` anchor ${a.verdict}`] : []),
            pairs([
              ['received', hhmmss(a.received_at)],
              ['anchor age', anchorAt(a) ? h('span', { class: 'anchor-age', 'data-anchor-at': anchorAt(a) }) : a.anchor_age_s !== undefined ? `${a.anchor_age_s} s` : ''],
              ['stale in', a.stale_at ? h('span', { class: 'countdown', 'data-stale-at': a.stale_at }) : ''],
              ['decision', a.decision ? `${a.decision} by ${a.decided_by || '?'} on ${a.channel || '?'}` : ''],
              ['token expires', a.expires_at ? hhmmss(a.expires_at) : ''],
              ['reason', a.reason],
            ]),
            evidence(a.evidence_readable),
          ),
        )
      : empty('nothing waiting for a decision'),
    v.approvals.not_shown ? h('p', { class: 'small muted' }, `+${v.approvals.not_shown} older pending approvals not shown`) : [],
  );
  tickApprovals();
}

/** Moves every anchor age and stale countdown on to now, in place, so the panel's text stays selectable. */
export function tickApprovals() {
  const now = serverNow();
  for (const el of document.querySelectorAll('#approvals .anchor-age')) el.textContent = duration((now - Date.parse(el.dataset.anchorAt)) / 1000);
  for (const el of document.querySelectorAll('#approvals .countdown')) {
    const left = (Date.parse(el.dataset.staleAt) - now) / 1000;
    el.textContent = left > 0 ? `${duration(left)} (at ${hhmmss(el.dataset.staleAt)})` : `STALE since ${hhmmss(el.dataset.staleAt)}`;
    el.className = `countdown ${left <= 0 ? 'neg' : left < 60 ? 'warn' : ''}`;
  }
}
