import { createServer } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import { scrape } from '../dashboard/hostTelemetry.ts';
import { DashboardPortError, listen, send, urlOf } from '../dashboard/http.ts';
import type { WatchdogAction, WatchdogCore, WatchedHostState } from './watchdogCore.ts';

/**
 * `phoenix watchdog`'s own /metrics (WATCHDOG_METRICS_PORT), on loopback
 * only: whether the host it watches is up, how old its last heartbeat is,
 * and the misses, read from the watchdog's judgement at scrape time. A
 * separate process from the host on purpose: the scrape that says the host
 * is down must not depend on the host.
 */

const STATES: WatchedHostState[] = ['waiting', 'up', 'late', 'hung', 'dead', 'stopped'];
const LOOPBACK = '127.0.0.1';

export interface WatchdogMetrics {
  url: string;
  /** Told of every action once recorded. */
  note(action: WatchdogAction): void;
  stop(): Promise<void>;
}

export async function serveWatchdogMetrics(o: { core: WatchdogCore; port: number; clock: Clock; logger: Logger }): Promise<WatchdogMetrics> {
  const { core, clock } = o;
  const registry = new Registry();
  const registers = [registry];
  const labels = { host_id: core.hostId };
  new Gauge({
    name: 'phoenix_watchdog_host_up',
    help: 'The watched host: 1 while it runs and has not been declared down (a late beat still counts as up), 0 otherwise.',
    labelNames: ['host_id'],
    registers,
    collect() {
      this.set(labels, Number(core.state === 'up' || core.state === 'late'));
    },
  });
  new Gauge({
    name: 'phoenix_watchdog_host_state',
    help: 'The watched host as the watchdog judges it: 1 for its current state (waiting, up, late, hung, dead, stopped), 0 for the others.',
    labelNames: ['host_id', 'state'],
    registers,
    collect() {
      for (const state of STATES) this.set({ ...labels, state }, Number(core.state === state));
    },
  });
  new Gauge({
    name: 'phoenix_watchdog_last_heartbeat_age_seconds',
    help: "Seconds since the watched host's last heartbeat (or its start); absent before either.",
    labelNames: ['host_id'],
    registers,
    collect() {
      this.reset();
      const last = core.lastBeatTime;
      if (last !== undefined) this.set(labels, Math.max(0, clock.now() - last) / 1000);
    },
  });
  new Gauge({
    name: 'phoenix_watchdog_consecutive_misses',
    help: 'Expected heartbeats that have not come since the last one (3 is CRITICAL).',
    labelNames: ['host_id'],
    registers,
    collect() {
      this.set(labels, core.missCount);
    },
  });
  const missed = new Counter({ name: 'phoenix_watchdog_missed_heartbeats_total', help: 'HEARTBEAT MISSED beads this watchdog wrote.', labelNames: ['host_id'], registers });
  const down = new Counter({ name: 'phoenix_watchdog_host_down_alerts_total', help: 'HOST_DOWN alerts this watchdog raised, by why (dead or hung).', labelNames: ['host_id', 'why'], registers });
  missed.inc(labels, 0);

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://watchdog').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'read-only: GET only\n', { Allow: 'GET, HEAD' });
    if (path !== '/metrics') return send(res, 404, 'text/plain; charset=utf-8', 'the watchdog serves /metrics only\n');
    scrape(registry)
      .then((body) => send(res, 200, registry.contentType, body))
      .catch((err: Error) => send(res, 500, 'text/plain; charset=utf-8', `${err.message}\n`));
  });
  const address = await listen(server, LOOPBACK, o.port, 'watchdog metrics', 'WATCHDOG_METRICS_PORT');
  const url = `${urlOf(address)}metrics`;
  o.logger.info({ url }, 'watchdog metrics listening');
  return {
    url,
    note(action) {
      if (action.kind === 'missed') missed.inc(labels);
      if (action.kind === 'hostDown') down.inc({ ...labels, why: action.why });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { DashboardPortError as WatchdogMetricsPortError };
