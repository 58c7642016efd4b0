// The activity feed, a page at a time: the log's newest beads without pushing the rest of the desk off the screen.
import { empty, fill, h, hhmmss, tag } from './format.js';

export const ACTIVITY_PAGE = 12;
let page = 0;
let collapsed = false;
let redraw = () => undefined;

/** The feed's own state, so a change of page redraws only this panel. */
export function activityState() {
  return [page, collapsed];
}

export function onActivityChange(callback) {
  redraw = callback;
}

function go(to) {
  page = to;
  redraw();
}

/** A trade's P&L in the account's currency too, at the current rate, labelled as such. */
function inAccount(a) {
  const c = a.pnl_account;
  return c ? h('span', { class: 'muted' }, ` (≈ ${c.amount.toFixed(2)} ${c.currency} at the current ${c.pair} ${c.rate})`) : '';
}

export function renderActivity(v) {
  const list = v.activity;
  const pages = Math.max(1, Math.ceil(list.length / ACTIVITY_PAGE));
  page = Math.min(page, pages - 1);
  const shown = list.slice(page * ACTIVITY_PAGE, (page + 1) * ACTIVITY_PAGE);
  const toggle = h('button', { type: 'button', class: 'pager', id: 'activity-toggle', onclick: () => { collapsed = !collapsed; redraw(); } }, collapsed ? 'show' : 'hide');
  document.getElementById('activity-summary').replaceChildren(`${list.length} newest beads`, ' ', toggle);
  fill(
    'activity',
    collapsed
      ? []
      : list.length
        ? [
            h('table', { class: 'activity' }, h('tbody', {}, shown.map((a) => h('tr', {}, h('td', { class: 'mono' }, hhmmss(a.ts)), h('td', {}, tag(a.bead_type)), h('td', { class: 'mono' }, a.summary, inAccount(a)))))),
            h(
              'div',
              { class: 'pages' },
              h('button', { type: 'button', class: 'pager', id: 'activity-newer', disabled: page === 0, onclick: () => go(page - 1) }, '‹ newer'),
              h('span', { class: 'small muted', id: 'activity-page' }, `page ${page + 1} of ${pages}`),
              h('button', { type: 'button', class: 'pager', id: 'activity-older', disabled: page >= pages - 1, onclick: () => go(page + 1) }, 'older ›'),
            ),
          ]
        : empty('the log is empty'),
  );
  document.getElementById('footer').textContent =
    `read-only · ${v.counts.beads_total} beads folded${v.counts.corrupt ? ` · ${v.counts.corrupt} corrupt record(s), last at ${v.counts.last_corrupt.position}: ${v.counts.last_corrupt.reason}` : ''}`;
}
