import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardPortError, startDashboard } from '../../actors/dashboard/index.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Bead } from '../../beads/index.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { at, beads, T0 } from './beads.ts';
import { parsePrometheusText, sampleValue } from './prometheusText.ts';
import { fetchView, http, openEvents, startTestDashboard, type TestDashboard, waitForView } from './support.ts';

let running: TestDashboard[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()));
  running = [];
  for (const c of cleanups.splice(0)) c();
});

async function start(options: Parameters<typeof startTestDashboard>[0] = {}): Promise<TestDashboard> {
  const t = await startTestDashboard(options);
  running.push(t);
  return t;
}

const history = () => [
  beads.hostStarted({ t: 0, mode: 'PAPER' }),
  beads.session('CONNECT', {}, { t: 1 }),
  beads.heartbeat({ t: 30 }),
  beads.position('pos-1', 'MANAGED', { unrealised_pnl: 42.5 }, { t: 31 }),
  beads.alert('a-1', 'RAISED', { severity: 'WARNING', alert_type: 'POSITION_STALLED', runbook_id: 'RB-003' }, { t: 32 }),
];

describe('dashboard HTTP: read-only routes', () => {
  it('catches up with the history, then follows new beads, and serves the model as JSON', async () => {
    const t = await start({ history: history(), clockAt: T0 + 31_000 });
    const view = await waitForView(t.dashboard, (v) => v.caught_up && v.counts.beads_total === 5);
    expect(view).toMatchObject({ mode: 'PAPER', banner: { level: 'HEALTHY' }, connection: { state: 'CONNECTED' }, health: { status: 'HEALTHY', age_s: 1 } });
    expect(view.positions.open[0]).toMatchObject({ position_id: 'pos-1', unrealised_pnl: 42.5 });
    await t.append(beads.killFlag('SET', 'operator', 'drill', { t: 40 }));
    expect((await waitForView(t.dashboard, (v) => v.counts.beads_total === 6)).kill_flag).toMatchObject({ state: 'SET', who: 'operator' });
    expect((await http(`${t.dashboard.url}healthz`)).body).toBe(JSON.stringify({ status: 'ok', caught_up: true, log_position: 5 }));
  });

  it('answers 405 to every method that is not a read, on every path, and never writes to the log', async () => {
    const t = await start({ history: history() });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const path of ['', 'api/dashboard', 'events', 'metrics', 'healthz', 'no/such/page']) {
        const answer = await http(`${t.dashboard.url}${path}`, { method, body: '{"halt":true}', headers: { 'Content-Type': 'application/json' } });
        expect([method, path, answer.status]).toEqual([method, path, 405]);
        expect(answer.headers.allow).toBe('GET, HEAD');
      }
    }
    expect((await http(`${t.dashboard.url}no/such/page`)).status).toBe(404);
    expect((await http(t.dashboard.url, { method: 'HEAD' })).status).toBe(200);
    expect((await fetchView(t.dashboard)).counts.beads_total).toBe(5);
    expect(t.writesByDashboard()).toBe(0);
  });

  it('serves the page with a policy that allows only its own scripts and style, and its assets from the dashboard itself', async () => {
    const t = await start();
    const page = await http(t.dashboard.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'; style-src 'self' 'sha256-[^']+'; connect-src 'self'/);
    expect(page.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    for (const asset of ['uPlot.iife.min.js', 'uPlot.min.css', 'client.js', 'charts.js']) {
      const served = await http(`${t.dashboard.url}assets/${asset}`);
      expect([asset, served.status]).toEqual([asset, 200]);
      expect(served.body).not.toMatch(/https?:\/\/(?!www\.w3\.org|github\.com\/leeoniya)/);
    }
    expect((await http(`${t.dashboard.url}assets/..%2Fserver.ts`)).status).toBe(404);
  });

  it('refuses a non-loopback Host header, so a DNS-rebinding page cannot read the desk', async () => {
    const t = await start();
    expect((await http(`${t.dashboard.url}api/dashboard`, { headers: { Host: `evil.example:${t.dashboard.port}` } })).status).toBe(403);
    expect((await http(`${t.dashboard.url}api/dashboard`, { headers: { Host: `localhost:${t.dashboard.port}` } })).status).toBe(200);
  });

  it('fails with a clear error when the port is taken', async () => {
    const t = await start();
    const second = startDashboard({ log: new MemoryEventLog(), host: '127.0.0.1', port: t.dashboard.port, logger: silentLogger, clock: t.clock });
    await expect(second).rejects.toThrow(DashboardPortError);
    await expect(second).rejects.toThrow(`dashboard: 127.0.0.1:${t.dashboard.port} is already in use; stop what holds it or set DASHBOARD_PORT to a free port`);
  });

  it('stops listening and ends every stream on stop()', async () => {
    const t = await startTestDashboard();
    const stream = await openEvents(t.dashboard);
    await t.stop();
    await expect(http(t.dashboard.url)).rejects.toThrow(/ECONNREFUSED/);
    stream.close();
  });
});

describe('dashboard HTTP: gates', () => {
  it('shows what a gates fold computes in place of the placeholders', async () => {
    const gates = {
      initial: 0,
      apply: (sessions: number, b: Bead) => sessions + (b.bead_type === 'IBKR_SESSION' && b.data.event === 'CONNECT' ? 1 : 0),
      statuses: (sessions: number) => [{ id: 'P1-1', name: 'IBKR_PAPER_CONNECTED', status: sessions > 0 ? ('MET' as const) : ('NOT_MET' as const), detail: `${sessions} CONNECT bead(s)` }],
    };
    const t = await start({ history: history(), gates });
    const view = await waitForView(t.dashboard, (v) => v.caught_up);
    expect(view.gates).toEqual([{ id: 'P1-1', name: 'IBKR_PAPER_CONNECTED', status: 'MET', detail: '1 CONNECT bead(s)' }]);
  });
});

describe('dashboard HTTP: /metrics', () => {
  it('is valid Prometheus text with the expected series and values', async () => {
    const t = await start({ history: history(), clockAt: T0 + 40_000 });
    await t.append(beads.killFlag('SET', 'operator', 'drill', { t: 39 }), beads.reconciliation('DRIFT', [{ kind: 'QTY', subject: 'EURUSD' }], { t: 39 }));
    await waitForView(t.dashboard, (v) => v.counts.beads_total === 7);
    const answer = await http(`${t.dashboard.url}metrics`);
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const metrics = parsePrometheusText(answer.body);
    for (const [name, type] of Object.entries({
      phoenix_beads_total: 'counter',
      phoenix_health_status: 'gauge',
      phoenix_connection_up: 'gauge',
      phoenix_positions_open: 'gauge',
      phoenix_alerts_total: 'counter',
      phoenix_kill_flag_set: 'gauge',
      phoenix_last_heartbeat_age_seconds: 'gauge',
    })) {
      expect(metrics.get(name), name).toMatchObject({ type, help: expect.stringMatching(/\w/) });
    }
    expect(sampleValue(metrics, 'phoenix_beads_total', { type: 'HEARTBEAT' })).toBe(1);
    expect(sampleValue(metrics, 'phoenix_beads_total', { type: 'ORDER' })).toBe(0);
    expect(sampleValue(metrics, 'phoenix_health_status', { status: 'CRITICAL' })).toBe(1);
    expect(sampleValue(metrics, 'phoenix_health_status', { status: 'HEALTHY' })).toBe(0);
    expect(sampleValue(metrics, 'phoenix_connection_up')).toBe(1);
    expect(sampleValue(metrics, 'phoenix_positions_open')).toBe(1);
    expect(sampleValue(metrics, 'phoenix_alerts_total', { severity: 'WARNING' })).toBe(1);
    expect(sampleValue(metrics, 'phoenix_kill_flag_set')).toBe(1);
    expect(sampleValue(metrics, 'phoenix_last_heartbeat_age_seconds')).toBe(10);
    expect(sampleValue(metrics, 'phoenix_reconciliation_drift')).toBe(1);
    expect(sampleValue(metrics, 'phoenix_host_info', { host_id: 'phoenix-1', mode: 'PAPER' })).toBe(1);
  });
});

describe('dashboard HTTP: live updates over server-sent events', () => {
  it('sends the model on connect, then each change, coalescing a burst into a few frames', async () => {
    const t = await start({ history: history(), sse: { minIntervalMs: 200 } });
    const stream = await openEvents(t.dashboard);
    cleanups.push(() => stream.close());
    await stream.next((v) => v.caught_up && v.counts.beads_total === 5);
    const before = stream.frames.length;
    for (let i = 0; i < 50; i++) await t.append(beads.heartbeat({ t: 60 + i }));
    const last = await stream.next((v) => v.counts.beads_total === 55);
    expect(last.heartbeats.points.at(-1)?.ts).toBe(at(109));
    // 50 appends in a few ms: one frame for the first, at most a couple more for the rest.
    expect(stream.frames.length - before).toBeLessThanOrEqual(3);
    expect(stream.frames.every((f) => f.event === 'model')).toBe(true);
  });

  it('keeps idle streams open with comments, and forgets a client that went away', async () => {
    const t = await start({ sse: { keepAliveMs: 50 } });
    const stream = await openEvents(t.dashboard);
    await stream.next(() => true);
    for (let i = 0; i < 100 && !stream.comments.includes(': keepalive'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(stream.comments).toContain(': keepalive');
    const clients = async () => sampleValue(parsePrometheusText((await http(`${t.dashboard.url}metrics`)).body), 'phoenix_dashboard_clients');
    expect(await clients()).toBe(1);
    stream.close();
    for (let i = 0; i < 50 && (await clients()) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await clients()).toBe(0);
  });
});

describe('dashboard HTTP: runbooks', () => {
  it('lists runbooks from their front matter and serves each by id, never by path', async () => {
    const tmp = makeTempDir('phoenix-runbooks');
    cleanups.push(tmp.remove);
    const dir = join(tmp.dir, 'runbooks');
    mkdirSync(dir);
    const rb1 = '---\nid: RB-001\ntitle: Connection loss\nalert_types: [CONNECTION_LOST, CONNECTION_ESCALATED]\nseverity: CRITICAL\nlast_reviewed: 2026-11-20\n---\n# Symptoms\n';
    writeFileSync(join(dir, 'RB-001_CONNECTION_LOSS.md'), rb1);
    writeFileSync(join(dir, 'RB-002_RECONCILIATION_DRIFT.md'), '# no front matter yet\n');
    writeFileSync(join(tmp.dir, 'secret.md'), 'not a runbook');
    const t = await start({ runbooksDir: dir });
    const { runbooks } = await fetchView(t.dashboard);
    expect(runbooks).toEqual([
      { id: 'RB-001', title: 'Connection loss', file: 'RB-001_CONNECTION_LOSS.md', alert_types: ['CONNECTION_LOST', 'CONNECTION_ESCALATED'], severity: 'CRITICAL', last_reviewed: '2026-11-20' },
      { id: 'RB-002', title: 'RB-002_RECONCILIATION_DRIFT', file: 'RB-002_RECONCILIATION_DRIFT.md', alert_types: [], problem: 'no front matter' },
    ]);
    const served = await http(`${t.dashboard.url}runbooks/RB-001`);
    expect([served.status, served.body]).toEqual([200, rb1]);
    expect((await http(`${t.dashboard.url}runbooks/..%2Fsecret.md`)).status).toBe(404);
    expect((await http(`${t.dashboard.url}runbooks/%E0%A4%A`)).status).toBe(404);
  });

  it('shows no runbooks, and still starts, when the folder does not exist', async () => {
    const t = await start({ runbooksDir: '/nonexistent/runbooks' });
    expect((await fetchView(t.dashboard)).runbooks).toEqual([]);
  });
});
