import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Bead } from '../../beads/index.ts';
import { type GateStatus, withRunbooks } from '../../projections/dashboardModel.ts';
import type { FoldRegistry } from '../../projections/fold.ts';
import { dashboardFold } from '../../projections/hostFolds.ts';
import { ProjectionEngine } from '../../runtime/projectionEngine.ts';
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
 * What fills the dashboard's gates (S11): registers its folds on the
 * projection engine and answers the gates' statuses as they are now.
 * Absent, the page shows placeholders.
 */
export type GatesOn = (registry: FoldRegistry) => () => readonly GateStatus[];

/** The same as a single pure fold with no name of its own (a dashboard alone, a test's gates). */
export interface GatesFold<S> {
  initial: S;
  apply(state: S, bead: Bead, position: number): S;
  statuses(state: S): readonly GateStatus[];
}

function gatesOn<S>(g: GatesOn | GatesFold<S> | undefined): GatesOn | undefined {
  if (g === undefined || typeof g === 'function') return g;
  return (registry) => {
    const folded = registry.fold<S>({ name: 'dashboard.gates', version: '1', init: () => g.initial, apply: g.apply });
    return () => g.statuses(folded.state);
  };
}

export interface DashboardOptions<S = unknown> {
  /** Read only: the dashboard reads and never appends. */
  log: EventLog;
  /**
   * The host's projection engine (issue 15), not yet caught up: the
   * dashboard registers its folds on it and hears its entries. Absent (a
   * dashboard alone), it runs an engine of its own over `log`.
   */
  engine?: ProjectionEngine;
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
  gates?: GatesOn | GatesFold<S>;
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

  const own = options.engine === undefined;
  const engine = options.engine ?? new ProjectionEngine({ log, logger: options.logger, clock });
  const folded = engine.fold(dashboardFold(options.heartbeatGapMs === undefined ? {} : { heartbeatGapMs: options.heartbeatGapMs }));
  const gates = gatesOn(options.gates)?.(engine);
  // The runbooks are read from disk at each start, never kept in the fold (or its checkpoint).
  const runbookInfo = runbookFiles.map((f) => f.info);
  const model = () => withRunbooks(folded.state, runbookInfo);
  let market: MarketView = options.market ?? NO_MARKET;

  const composer = viewComposer({
    model,
    gates: () => gates?.(),
    caughtUp: () => engine.caughtUp,
    now: () => clock.now(),
    market: () => market,
    telemetry,
  });
  const hub = new SseHub(() => JSON.stringify(composer.view()), { ...DEFAULT_SSE_OPTIONS, ...options.sse });
  const metrics = new DashboardMetrics(telemetry.registry, () => composer.view(), () => hub.size);
  let offMarket = market.onChange(() => hub.changed());

  // While the engine reads the log at start, how far it is (issue 15: a long catch-up says so).
  const health = () => {
    const progress = engine.progress();
    return { status: 'ok', caught_up: engine.caughtUp, log_position: folded.state.log.lastPosition ?? null, ...(progress ? { catching_up: progress } : {}) };
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> = {
    '/': (_req, res) => send(res, 200, 'text/html; charset=utf-8', page.render(composer.view()), { 'Content-Security-Policy': page.contentSecurityPolicy }),
    '/api/dashboard': (_req, res) => send(res, 200, JSON_TYPE, JSON.stringify(composer.view())),
    '/api/marks': (_req, res) => send(res, 200, JSON_TYPE, JSON.stringify(composer.marks())),
    '/metrics': async (_req, res) => send(res, 200, metrics.contentType, await metrics.render()),
    '/healthz': (_req, res) => send(res, 200, JSON_TYPE, JSON.stringify(health())),
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

  // Every entry the engine folds, the catch-up's too: the counters of /metrics count what this process has read.
  const offEntries = engine.onEntry((entry) => {
    if (entry.kind === 'corrupt') metrics.noteCorrupt();
    else metrics.apply(entry.bead);
    if (engine.caughtUp) hub.changed();
  });
  void engine.whenCaughtUp().then(() => {
    logger.info({ position: folded.state.log.lastPosition ?? null, beads: folded.state.log.beadsTotal }, 'dashboard caught up with the log');
    hub.changed();
  });
  if (own) void engine.start().catch((err: Error) => logger.error({ err: err.message }, 'dashboard stopped following the log'));

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
      offEntries();
      if (own) await engine.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
