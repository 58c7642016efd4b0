// The dashboard page's script: renders the view from /events. Bead contents are
// only ever set as text (textContent, text nodes), never parsed as HTML.
let view = null;
/** Server time minus browser time: ages follow the host's clock, not the browser's. */
let clockOffsetMs = 0;

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fill(id, ...children) {
  document.getElementById(id).replaceChildren(...children.flat(Number.POSITIVE_INFINITY));
}

const empty = (text) => h('p', { class: 'empty' }, text);
const tag = (value) => h('span', { class: `tag ${value}` }, value);

function hhmmss(ts) {
  return ts ? `${ts.slice(11, 19)}Z` : '';
}

function ago(ts) {
  if (!ts) return '';
  const s = Math.max(0, Math.round((Date.now() + clockOffsetMs - Date.parse(ts)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

function money(value) {
  if (value === undefined || value === null) return h('span', { class: 'muted' }, '—');
  return h('span', { class: value > 0 ? 'pos' : value < 0 ? 'neg' : '' }, value.toFixed(2));
}

function num(value) {
  return value === undefined || value === null ? '—' : String(value);
}

function table(headers, rows, numeric = []) {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, headers.map((name, i) => h('th', { class: numeric.includes(i) ? 'num' : '' }, name)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', { class: numeric.includes(i) ? 'num' : '' }, cell))))),
  );
}

function pairs(entries) {
  return h(
    'dl',
    { class: 'kv' },
    entries.filter(([, value]) => value !== undefined && value !== null && value !== '').map(([key, value]) => [h('dt', {}, key), h('dd', {}, value)]),
  );
}

function renderHeader(v) {
  const mode = document.getElementById('mode');
  mode.textContent = v.mode || 'MODE ?';
  mode.className = `badge mode-${v.mode || 'unknown'}`;
  const host = v.host;
  document.getElementById('host').textContent = host
    ? `${host.host_id} · pid ${host.pid} · v${host.version} · ${host.state === 'RUNNING' ? `up since ${hhmmss(host.started_at)}` : `stopped ${hhmmss(host.stopped_at)}`}`
    : 'no host yet';
  document.getElementById('catching-up').hidden = v.caught_up;
  document.getElementById('position').textContent = v.log_position === null ? 'empty log' : `log @ ${v.log_position}`;
}

function renderBanner(v) {
  document.getElementById('banner').className = `banner level-${v.banner.level}`;
  document.getElementById('banner-level').textContent = v.banner.level;
  const beat = v.health ? `last beat ${v.health.status}, ${ago(v.health.ts)}` : '';
  document.getElementById('banner-detail').textContent = [beat, ...v.banner.reasons].filter(Boolean).join(' · ') || 'all checks pass';
}

function renderKill(v) {
  const k = v.kill_flag;
  const set = k.state === 'SET';
  document.getElementById('kill').className = `kill ${set ? 'set' : 'armed'}`;
  document.getElementById('kill-state').textContent = set ? 'KILL FLAG SET — new entries refused' : 'Kill flag ARMED';
  document.getElementById('kill-detail').textContent = k.who ? `${set ? 'set' : 'cleared'} by ${k.who} at ${hhmmss(k.ts)}: ${k.reason}` : 'trading allowed';
}

function renderConnection(v) {
  const c = v.connection;
  fill(
    'connection',
    pairs([
      ['state', tag(c.state)],
      ['since', hhmmss(c.since)],
      ['account', c.account],
      ['port', c.port],
      ['attempt', c.attempt ? String(c.attempt) : ''],
      ['reason', c.reason],
    ]),
    c.sessions.length
      ? table(['time', 'event', 'attempt', 'reason'], c.sessions.slice(0, 8).map((s) => [hhmmss(s.ts), tag(s.escalated ? 'ESCALATED' : s.event), s.attempt || '', s.reason || '']))
      : empty('no sessions yet'),
    c.gaps.length ? [h('h2', {}, 'Connection gaps'), table(['from', 'to', 'seconds'], c.gaps.map((g) => [hhmmss(g.from), hhmmss(g.to), g.seconds]), [2])] : [],
  );
}

function renderHeartbeats(v) {
  const hb = v.heartbeats;
  document.getElementById('hb-summary').textContent = `gap > ${hb.gap_threshold_s} s · ${hb.gaps_total} gap(s)`;
  const beats = hb.points.map((p) =>
    h('span', {
      class: `beat ${p.status}${p.gap ? ' gap' : ''}`,
      title: `${hhmmss(p.ts)} ${p.status}${p.interval_s !== undefined ? ` after ${p.interval_s} s` : ''}${p.gap ? ' — GAP' : ''}`,
    }),
  );
  fill(
    'heartbeats',
    beats.length
      ? [
          h('div', { class: 'timeline', 'aria-label': 'heartbeat timeline' }, beats),
          h('div', { class: 'axis' }, h('span', {}, hhmmss(hb.points[0].ts)), h('span', {}, `${hb.points.length} beats`), h('span', {}, hhmmss(hb.points.at(-1).ts))),
          h('p', { class: 'legend' }, 'green healthy · amber degraded · red critical or missed · tall hatched bar: a gap before that beat'),
        ]
      : empty('no heartbeats yet'),
    hb.gaps.length ? table(['gap from', 'to', 'seconds'], hb.gaps.slice(0, 6).map((g) => [hhmmss(g.from), hhmmss(g.to), g.seconds]), [2]) : [],
  );
}

function positionRows(list) {
  return list.map((p) => [p.position_id, p.pair, p.side, num(p.quantity), num(p.avg_price), num(p.stop), num(p.target), tag(p.state), money(p.unrealised_pnl), money(p.realised_pnl)]);
}

function renderPositions(v) {
  const p = v.positions;
  fill('pnl-summary', 'unrealised ', money(p.unrealised_total), ' · realised ', money(p.realised_total));
  const headers = ['id', 'pair', 'side', 'qty', 'avg', 'stop', 'target', 'state', 'unrealised', 'realised'];
  fill(
    'positions',
    p.open.length ? table(headers, positionRows(p.open), [3, 4, 5, 6, 8, 9]) : empty('no open positions'),
    p.not_shown ? h('p', { class: 'small muted' }, `+${p.not_shown} older open positions not shown`) : [],
    p.closed.length ? [h('h2', {}, 'Recently closed'), table(headers, positionRows(p.closed.slice(0, 5)), [3, 4, 5, 6, 8, 9])] : [],
  );
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

function renderApprovals(v) {
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
              ['anchor age', a.anchor_age_s !== undefined ? `${a.anchor_age_s} s` : ''],
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
}

function renderAlerts(v) {
  const list = v.alerts.recent;
  fill(
    'alerts',
    list.length
      ? table(
          ['raised', 'severity', 'type', 'message', 'runbook', 'status'],
          list.slice(0, 20).map((a) => [
            hhmmss(a.raised_at),
            tag(a.severity),
            a.alert_type,
            a.message,
            a.runbook_id ? h('a', { href: `/runbooks/${encodeURIComponent(a.runbook_id)}` }, a.runbook_id) : '',
            a.resolved ? tag('RESOLVED') : `${a.status}${a.error ? ` (${a.error})` : ''}`,
          ]),
        )
      : empty('no alerts'),
    h('p', { class: 'small muted' }, `raised so far: ${v.alerts.raised.CRITICAL} critical, ${v.alerts.raised.WARNING} warning`),
  );
}

function reconciliation(r) {
  return [
    pairs([
      ['result', tag(r.result)],
      ['at', hhmmss(r.ts)],
      ['trigger', r.trigger],
      ['positions', `broker ${r.broker_positions} · local ${r.local_positions}`],
      ['open orders', `broker ${r.broker_open_orders} · local ${r.local_open_orders}`],
    ]),
    r.drift.length ? table(['kind', 'subject', 'broker', 'local'], r.drift.map((d) => [d.kind, d.subject, d.broker ?? '', d.local ?? ''])) : [],
  ];
}

function renderDrift(v) {
  const d = v.drift;
  fill(
    'drift',
    d.last ? reconciliation(d.last) : empty('no reconciliation yet'),
    d.last_drift && d.last_drift !== d.last && d.last_drift.ts !== d.last?.ts ? [h('h2', {}, 'Last drift'), reconciliation(d.last_drift)] : [],
    h('p', { class: 'small muted' }, `${d.runs} run(s), ${d.drifts} with drift`),
  );
}

function renderGates(v) {
  fill('gates', table(['gate', 'name', 'status', 'detail'], v.gates.map((g) => [g.id, g.name, g.failing ? h('span', { class: 'tag FAIL', title: 'a recorded failure' }, g.status) : tag(g.status), g.detail])));
}

function renderRunbooks(v) {
  fill(
    'runbooks',
    v.runbooks.length
      ? table(
          ['id', 'title', 'alerts', 'severity'],
          v.runbooks.map((r) => [h('a', { href: `/runbooks/${encodeURIComponent(r.id)}` }, r.id), r.problem ? `${r.title} (${r.problem})` : r.title, r.alert_types.join(', '), r.severity || '']),
        )
      : empty('no runbooks found'),
  );
}

function renderActivity(v) {
  fill(
    'activity',
    v.activity.length
      ? h('table', { class: 'activity' }, h('tbody', {}, v.activity.slice(0, 40).map((a) => h('tr', {}, h('td', { class: 'mono' }, hhmmss(a.ts)), h('td', {}, tag(a.bead_type)), h('td', { class: 'mono' }, a.summary)))))
      : empty('the log is empty'),
  );
  document.getElementById('footer').textContent =
    `read-only · ${v.counts.beads_total} beads folded${v.counts.corrupt ? ` · ${v.counts.corrupt} corrupt record(s), last at ${v.counts.last_corrupt.position}: ${v.counts.last_corrupt.reason}` : ''}`;
}

/**
 * Each panel with the part of the view it shows. A panel is rebuilt only when
 * its part changed, so an operator can select text in it; the header and the
 * banner carry the ages and are redrawn every second.
 */
const PANELS = [
  [renderHeader, () => null],
  [renderBanner, () => null],
  [renderKill, (v) => v.kill_flag],
  [renderConnection, (v) => v.connection],
  [renderHeartbeats, (v) => [v.heartbeats.points, v.heartbeats.gaps, v.heartbeats.gaps_total]],
  [renderPositions, (v) => v.positions],
  [renderApprovals, (v) => v.approvals],
  [renderAlerts, (v) => v.alerts],
  [renderDrift, (v) => v.drift],
  [renderGates, (v) => v.gates],
  [renderRunbooks, (v) => v.runbooks],
  [renderActivity, (v) => [v.activity, v.counts]],
];
const shown = new Map();

function render() {
  if (!view) return;
  for (const [part, pick] of PANELS) {
    const picked = pick(view);
    const key = picked === null ? null : JSON.stringify(picked);
    if (key !== null && shown.get(part) === key) continue;
    try {
      part(view);
      shown.set(part, key);
    } catch (err) {
      // One panel failing on an unexpected shape must not blank the others.
      console.error(part.name, err);
    }
  }
}

function setLive(on) {
  const el = document.getElementById('live');
  el.className = `live ${on ? 'on' : 'off'}`;
  el.textContent = on ? 'live' : 'reconnecting';
}

const events = new EventSource('/events');
events.addEventListener('open', () => setLive(true));
events.addEventListener('error', () => setLive(false));
events.addEventListener('model', (event) => {
  view = JSON.parse(event.data);
  clockOffsetMs = Date.parse(view.generated_at) - Date.now();
  setLive(true);
  render();
});
// The banner's ages move between updates.
setInterval(render, 1000);
