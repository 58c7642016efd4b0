import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Bead } from '../../beads/index.ts';
import { applyBead, type GateStatus, initialDashboard, noteCorrupt, withRunbooks } from '../../projections/dashboardModel.ts';
import type { EventLog } from '../../store/port.ts';
import type { IBKRConnector } from '../broker/connector.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import { HostTelemetry } from './hostTelemetry.ts';
import { COMMON_HEADERS, DashboardPortError, hostHeaderAllowed, isLoopback, listen, send, urlOf } from './http.ts';
import { viewComposer } from './liveView.ts';
import { followMarket, type MarketView, NO_MARKET } from './market.ts';
import { DashboardMetrics } from './metrics.ts';
import { buildDashboardPage, dashboardAssets } from './page.ts';
import { readRunbooks, type RunbookFile } from './runbooks.ts';
import { DEFAULT_SSE_OPTIONS, type SseOptions, SseHub } from './sse.ts';

export { DashboardPortError };

/**
 * A pure fold that fills the dashboard's gates (S11). The gates projection
 * implements it when it lands; until then the page shows placeholders.
 */
export interface GatesFold<S> {
  initial: S;
  apply(state: S, bead: Bead, position: number): S;
  statuses(state: S): readonly GateStatus[];
}

export interface DashboardOptions<S = unknown> {
  /** Read only: the dashboard subscribes and never appends. */
  log: EventLog;
  /** DASHBOARD_HOST: loopback unless the operator says otherwise (S14). */
  host: string;
  /** DASHBOARD_PORT; 0 picks a free port (tests). */
  port: number;
  logger: Logger;
  clock: Clock;
  /** Where RB-xxx.md files live; absent or missing means "no runbooks yet". */
  runbooksDir?: string;
  /** A heartbeat later than this is a gap; time-scaled hosts pass their own. */
  heartbeatGapMs?: number;
  gates?: GatesFold<S>;
  sse?: Partial<SseOptions>;
  /** The host's own timings and process metrics; a dashboard alone makes its own. */
  telemetry?: HostTelemetry;
  /** Prices for the live marks; the host hands its broker over once it has one (followMarket). */
  market?: MarketView;
}

export interface RunningDashboard {
  url: string;
  port: number;
  /** From now on, open positions are marked to this broker's ticks (the host calls it once its broker runs). */
  followMarket(connector: IBKRConnector): void;
  stop(): Promise<void>;
}

async function loadRunbooks(dir: string | undefined, logger: Logger): Promise<RunbookFile[]> {
  if (!dir) return [];
  try {
    return await readRunbooks(dir);
  } catch (err) {
    // The page is still worth having without its runbook list.
    logger.warn({ dir, err: (err as Error).message }, 'could not read the runbooks folder');
    return [];
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Starts the read-only dashboard (S9): the page, its JSON, live updates, /metrics. */
export async function startDashboard<S = unknown>(options: DashboardOptions<S>): Promise<RunningDashboard> {
  const { log, host, port, clock } = options;
  const logger = options.logger.child({ actor: 'dashboard' });
  const page = buildDashboardPage();
  const assets = dashboardAssets();
  const runbookFiles = await loadRunbooks(options.runbooksDir, logger);
  const telemetry = options.telemetry ?? new HostTelemetry();

  let model = withRunbooks(initialDashboard({ heartbeatGapMs: options.heartbeatGapMs }), runbookFiles.map((f) => f.info));
  const gates = options.gates;
  let gatesState = gates?.initial as S;
  let caughtUp = false;
  let market: MarketView = options.market ?? NO_MARKET;

  const composer = viewComposer({
    model: () => model,
    gates: () => (gates ? gates.statuses(gatesState) : undefined),
    caughtUp: () => caughtUp,
    now: () => clock.now(),
    market: () => market,
    telemetry,
  });
  const hub = new SseHub(() => JSON.stringify(composer.view()), { ...DEFAULT_SSE_OPTIONS, ...options.sse });
  const metrics = new DashboardMetrics(telemetry.registry, () => composer.view(), () => hub.size);
  let offMarket = market.onChange(() => hub.changed());

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> = {
    '/': (_req, res) => send(res, 200, 'text/html; charset=utf-8', page.render(composer.view()), { 'Content-Security-Policy': page.contentSecurityPolicy }),
    '/api/dashboard': (_req, res) => send(res, 200, JSON_TYPE, JSON.stringify(composer.view())),
    '/api/marks': (_req, res) => send(res, 200, JSON_TYPE, JSON.stringify(composer.marks())),
    '/metrics': async (_req, res) => send(res, 200, metrics.contentType, await metrics.render()),
    '/healthz': (_req, res) => send(res, 200, JSON_TYPE, JSON.stringify({ status: 'ok', caught_up: caughtUp, log_position: model.log.lastPosition ?? null })),
    // Browsers ask for it on every page load; an empty answer keeps their consoles clean.
    '/favicon.ico': (_req, res) => {
      res.writeHead(204, COMMON_HEADERS).end();
    },
    '/events': (req, res) => (req.method === 'HEAD' ? send(res, 200, 'text/event-stream; charset=utf-8', '') : hub.accept(req, res)),
  };

  const dispatch = (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    if (!hostHeaderAllowed(host, req.headers.host)) return send(res, 403, 'text/plain; charset=utf-8', 'this dashboard answers only to a loopback host name\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain; charset=utf-8', 'the dashboard is read-only: GET only\n', { Allow: 'GET, HEAD' });
    }
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    const route = Object.hasOwn(routes, path) ? routes[path] : path.startsWith('/runbooks/') ? serveRunbook(path.slice('/runbooks/'.length)) : serveAsset(path);
    if (!route) return send(res, 404, 'text/plain; charset=utf-8', `no such page: ${path}\n`);
    return route(req, res);
  };
  // All of a request runs in one promise: a throw anywhere (a handler, a URL that does not parse) is a 500 and a log line, never a crash.
  const server = createServer((req, res) => {
    new Promise<void>((resolve) => resolve(dispatch(req, res))).catch((err: Error) => {
      logger.error({ err: err.message, url: req.url }, 'dashboard request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });

  function serveRunbook(encodedId: string) {
    // Only files found at start, looked up by id: a request can never name a path.
    const file = runbookFiles.find((f) => encodeURIComponent(f.info.id) === encodedId || f.info.id === encodedId);
    if (!file) return undefined;
    return async (_req: IncomingMessage, res: ServerResponse) => send(res, 200, 'text/markdown; charset=utf-8', await readFile(file.path, 'utf8'));
  }

  function serveAsset(path: string) {
    const name = path.startsWith('/assets/') ? path.slice('/assets/'.length) : '';
    const asset = Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!asset) return undefined;
    // The same bytes for the life of the process: a browser may keep them.
    return (_req: IncomingMessage, res: ServerResponse) => send(res, 200, asset.type, asset.body, { 'Cache-Control': 'max-age=3600' });
  }

  const address = await listen(server, host, port);

  const subscription = log.subscribe(
    (entry) => {
      if (entry.kind === 'corrupt') {
        model = noteCorrupt(model, entry.position, entry.reason);
        metrics.noteCorrupt();
      } else {
        model = applyBead(model, entry.bead, entry.position);
        metrics.apply(entry.bead);
        if (gates) gatesState = gates.apply(gatesState, entry.bead, entry.position);
      }
      if (caughtUp) hub.changed();
    },
    {
      onCaughtUp: () => {
        caughtUp = true;
        logger.info({ position: model.log.lastPosition ?? null, beads: model.log.beadsTotal }, 'dashboard caught up with the log');
        hub.changed();
      },
      onDropped: (reason) => logger.warn({ reason }, 'dashboard subscription dropped; resuming from its checkpoint'),
      onError: (err) => logger.error({ err: err.message }, 'dashboard stopped following the log'),
    },
  );

  const url = urlOf(address);
  logger.info({ url }, 'dashboard listening');
  if (!isLoopback(host)) logger.warn({ host }, 'the dashboard is bound beyond loopback: anyone who can reach this address can read the desk (S14)');

  let stopped = false;
  return {
    url,
    port: address.port,
    followMarket(connector) {
      offMarket();
      market = followMarket(connector, logger, () => clock.now());
      offMarket = market.onChange(() => hub.changed());
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      offMarket();
      hub.close();
      await subscription.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
