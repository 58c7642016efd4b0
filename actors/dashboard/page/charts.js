// The dashboard's two charts, drawn with uPlot (served by the dashboard from
// node_modules as /assets/uPlot.iife.min.js: no CDN on a closed desk network).
import { empty, h } from './format.js';

const AXIS = { stroke: '#8b97a3', grid: { stroke: '#2a3440', width: 1 }, ticks: { stroke: '#2a3440' } };
const charts = new Map();

function widthOf(el) {
  return Math.max(280, Math.floor(el.clientWidth || el.parentElement?.clientWidth || 600));
}

/** Draws `data` into the holder `id` (creating the chart once, then only new data), or says why there is no chart. */
function draw(id, options, data, height) {
  const holder = document.getElementById(id);
  const uPlot = globalThis.uPlot;
  if (!uPlot) {
    holder.replaceChildren(empty('the chart library did not load'));
    return;
  }
  const known = charts.get(id);
  if (known?.holder.isConnected && known.seriesKey === JSON.stringify(options.series.map((s) => s.label))) {
    known.chart.setData(data);
    return;
  }
  holder.replaceChildren();
  const chart = new uPlot({ width: widthOf(holder), height, ...options }, data, holder);
  charts.set(id, { chart, holder, seriesKey: JSON.stringify(options.series.map((s) => s.label)) });
}

globalThis.addEventListener?.('resize', () => {
  for (const { chart, holder } of charts.values()) chart.setSize({ width: widthOf(holder), height: chart.height });
});

/** Equity in the account's currency: realised steps from the log, then realised + unrealised as prices moved. */
export function drawEquity(chartId, equity) {
  const holder = document.getElementById(chartId);
  if (!equity.currency) {
    charts.delete(chartId);
    holder.replaceChildren(empty("no equity curve yet: the account's currency comes with the broker's account summary"));
    return;
  }
  if (equity.points.length < 2) {
    charts.delete(chartId);
    holder.replaceChildren(empty('no closed trade or live mark to chart yet'));
    return;
  }
  const xs = equity.points.map((p) => p.t / 1000);
  const data = [xs, equity.points.map((p) => p.realised), equity.points.map((p) => p.equity)];
  draw(
    chartId,
    {
      scales: { x: { time: true } },
      axes: [AXIS, { ...AXIS, label: equity.currency, size: 70 }],
      series: [
        {},
        { label: `realised (${equity.currency})`, stroke: '#7ab7ff', width: 2, paths: globalThis.uPlot.paths.stepped({ align: 1 }) },
        { label: `equity: realised + unrealised (${equity.currency})`, stroke: '#4cd787', width: 2, fill: 'rgba(76,215,135,0.08)' },
      ],
      legend: { live: false },
    },
    data,
    180,
  );
}

/** Each beat's check latency, with the beats that came late (gaps) marked in red. */
export function drawHeartbeatLatency(chartId, points) {
  const holder = document.getElementById(chartId);
  const measured = points.filter((p) => p.check_ms !== undefined);
  if (points.length < 2 || measured.length === 0) {
    charts.delete(chartId);
    holder.replaceChildren(h('p', { class: 'empty small' }, 'check latency: measured by the running host for its own beats; none yet'));
    return;
  }
  const xs = points.map((p) => Date.parse(p.ts) / 1000);
  const latency = points.map((p) => (p.check_ms === undefined ? null : p.check_ms));
  const gaps = points.map((p) => (p.gap ? (p.check_ms ?? 0) : null));
  draw(
    chartId,
    {
      scales: { x: { time: true } },
      axes: [AXIS, { ...AXIS, label: 'check ms', size: 60 }],
      series: [
        {},
        { label: 'check latency (ms)', stroke: '#4cd787', width: 1.5, points: { show: true, size: 4 }, spanGaps: false },
        { label: 'late beat (gap)', stroke: '#ff6b6b', width: 0, points: { show: true, size: 8, fill: '#ff6b6b' } },
      ],
      legend: { live: false },
    },
    [xs, latency, gaps],
    140,
  );
}
