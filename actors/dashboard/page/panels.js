// The operations panels: header, banner, kill flag, connection, heartbeats, drift, alerts, gates, runbooks, activity.
import { drawHeartbeatLatency } from './charts.js';
import { ago, empty, fill, h, hhmmss, pairs, table, tag } from './format.js';

export function renderHeader(v) {
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

export function renderBanner(v) {
  document.getElementById('banner').className = `banner level-${v.banner.level}`;
  document.getElementById('banner-level').textContent = v.banner.level;
  const beat = v.health ? `last beat ${v.health.status}, ${ago(v.health.ts)}` : '';
  document.getElementById('banner-detail').textContent = [beat, ...v.banner.reasons].filter(Boolean).join(' · ') || 'all checks pass';
}

export function renderKill(v) {
  const k = v.kill_flag;
  const set = k.state === 'SET';
  document.getElementById('kill').className = `kill ${set ? 'set' : 'armed'}`;
  document.getElementById('kill-state').textContent = set ? 'KILL FLAG SET — new entries refused' : 'Kill flag ARMED';
  document.getElementById('kill-detail').textContent = k.who ? `${set ? 'set' : 'cleared'} by ${k.who} at ${hhmmss(k.ts)}: ${k.reason}` : 'trading allowed';
}

function gapSeconds(g) {
  return g.why ? h('span', { title: g.why }, `${g.seconds} *`) : g.seconds;
}

export function renderConnection(v) {
  const c = v.connection;
  const why = c.gaps.find((g) => g.why)?.why;
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
    c.gaps.length
      ? [h('h2', {}, 'Connection gaps'), table(['from', 'to', 'seconds'], c.gaps.map((g) => [hhmmss(g.from), hhmmss(g.to), gapSeconds(g)]), [2], { class: 'connection-gaps' })]
      : [],
    why ? h('p', { class: 'small muted' }, `* ${why}`) : [],
  );
}

export function renderHeartbeats(v) {
  const hb = v.heartbeats;
  document.getElementById('hb-summary').textContent = `gap > ${hb.gap_threshold_s} s · ${hb.gaps_total} gap(s)`;
  const beats = hb.points.map((p) =>
    h('span', {
      class: `beat ${p.status}${p.gap ? ' gap' : ''}`,
      title: `${hhmmss(p.ts)} ${p.status}${p.interval_s !== undefined ? ` after ${p.interval_s} s` : ''}${p.check_ms !== undefined ? `, check ${p.check_ms} ms` : ''}${p.gap ? ' — GAP' : ''}`,
    }),
  );
  fill(
    'heartbeats',
    beats.length
      ? [
          h('div', { id: 'hb-chart', class: 'chart' }),
          h('div', { class: 'timeline', 'aria-label': 'heartbeat timeline' }, beats),
          h('div', { class: 'axis' }, h('span', {}, hhmmss(hb.points[0].ts)), h('span', {}, `${hb.points.length} beats`), h('span', {}, hhmmss(hb.points.at(-1).ts))),
          h('p', { class: 'legend' }, 'green healthy · amber degraded · red critical or missed · tall hatched bar: a gap before that beat'),
        ]
      : empty('no heartbeats yet'),
    hb.gaps.length ? table(['gap from', 'to', 'seconds'], hb.gaps.slice(0, 6).map((g) => [hhmmss(g.from), hhmmss(g.to), g.seconds]), [2]) : [],
  );
  if (beats.length) drawHeartbeatLatency('hb-chart', hb.points);
}

export function renderAlerts(v) {
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
            a.resolved
              ? tag('RESOLVED')
              : h('span', {}, `${a.status}${a.error ? ` (${a.error})` : ''}`, a.delivery && a.delivery !== a.message ? [h('br'), h('span', { class: 'small muted' }, a.delivery)] : []),
          ]),
          [],
          { class: 'alerts' },
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

export function renderDrift(v) {
  const d = v.drift;
  fill(
    'drift',
    d.last ? reconciliation(d.last) : empty('no reconciliation yet'),
    d.last_drift && d.last_drift !== d.last && d.last_drift.ts !== d.last?.ts ? [h('h2', {}, 'Last drift'), reconciliation(d.last_drift)] : [],
    h('p', { class: 'small muted' }, `${d.runs} run(s), ${d.drifts} with drift`),
  );
}

const phase1 = (g) => !g.id.startsWith('P2-') && g.id !== 'LIVE';

export function renderGates(v) {
  fill('gates', table(['gate', 'name', 'status', 'detail'], v.gates.filter(phase1).map((g) => [g.id, g.name, tag(g.status === 'NOT_COMPUTED' ? 'not computed' : g.status), g.detail])));
}

// Issue 14: the Phase-2 ops quality over the validation window, and the live gate (phase 1 and promotion at LIVE_ACTIVE).
export function renderPhase2(v) {
  const rows = v.gates.filter((g) => !phase1(g));
  fill('phase2', rows.length ? table(['gate', 'name', 'status', 'detail'], rows.map((g) => [g.id, g.name, tag(g.status), g.detail])) : empty('not computed by this dashboard'));
}

export function renderRunbooks(v) {
  fill(
    'runbooks',
    v.runbooks.length
      ? table(
          ['id', 'title', 'alerts', 'severity'],
          v.runbooks.map((r) => [h('a', { href: `/runbooks/${encodeURIComponent(r.id)}` }, r.id), r.problem ? `${r.title} (${r.problem})` : r.title, r.alert_types.join(', '), r.severity || '']),
          [],
          { class: 'runbooks' },
        )
      : empty('no runbooks found'),
  );
}
