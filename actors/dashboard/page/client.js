// The dashboard page's script: draws the view the page was served with at
// once, then follows /events. Bead contents are only ever set as text.
import { activityState, onActivityChange, renderActivity } from './activity.js';
import { setServerTime } from './format.js';
import { renderAlerts, renderBanner, renderConnection, renderDrift, renderGates, renderHeader, renderHeartbeats, renderKill, renderPhase2, renderRunbooks } from './panels.js';
import { renderApprovals, renderEquity, renderPositions, tickApprovals } from './trade.js';

let view = null;

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
  [renderEquity, (v) => v.equity],
  [renderApprovals, (v) => v.approvals],
  [renderAlerts, (v) => v.alerts],
  [renderDrift, (v) => v.drift],
  [renderGates, (v) => v.gates],
  [renderPhase2, (v) => v.gates],
  [renderRunbooks, (v) => v.runbooks],
  [renderActivity, (v) => [v.activity, v.counts, activityState()]],
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

function take(next) {
  view = next;
  setServerTime(view.generated_at);
  render();
}

function setLive(on) {
  const el = document.getElementById('live');
  el.className = `live ${on ? 'on' : 'off'}`;
  el.textContent = on ? 'live' : 'reconnecting';
}

onActivityChange(render);
// The page came with the view of the moment it was served: draw it before the stream says anything.
const initial = document.getElementById('initial-view');
if (initial) take(JSON.parse(initial.textContent));

const events = new EventSource('/events');
events.addEventListener('open', () => setLive(true));
events.addEventListener('error', () => setLive(false));
events.addEventListener('model', (event) => {
  setLive(true);
  take(JSON.parse(event.data));
});
// The banner's ages and the approvals' countdowns move between updates.
setInterval(() => {
  render();
  tickApprovals();
}, 1000);
