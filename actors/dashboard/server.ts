import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bead } from '../../beads/index.ts';
import { applyBead, type GateStatus, initialDashboard, noteCorrupt, withGates, withRunbooks } from '../../projections/dashboardModel.ts';
import { dashboardView } from '../../projections/dashboardView.ts';
import type { EventLog } from '../../store/port.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';
import { buildDashboardPage } from './page.ts';
import { withReadableEvidence } from './readableEvidence.ts';
import { readRunbooks, type RunbookFile } from './runbooks.ts';
import { DEFAULT_SSE_OPTIONS, type SseOptions, SseHub } from './sse.ts';

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
}

export interface RunningDashboard {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export class DashboardPortError extends Error {
  override readonly name = 'DashboardPortError';
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith('127.');
}

/**
 * On loopback, only a loopback Host header is served: a web page that
 * rebinds its own DNS name to 127.0.0.1 must not read the desk's positions.
 */
function hostHeaderAllowed(boundHost: string, header: string | undefined): boolean {
  if (!isLoopback(boundHost)) return true;
  if (!header) return false;
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : (header.split(':')[0] ?? '');
  return isLoopback(name.toLowerCase());
}

function listen(server: ReturnType<typeof createServer>, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (err.code === 'EADDRINUSE') reject(new DashboardPortError(`dashboard: ${where} is already in use; stop what holds it or set DASHBOARD_PORT to a free port`));
      else if (err.code === 'EACCES') reject(new DashboardPortError(`dashboard: not allowed to listen on ${where}; choose a port above 1023`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new DashboardPortError(`dashboard: ${host} is not an address of this machine; check DASHBOARD_HOST`));
      else reject(err);
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

const COMMON_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
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

/** Starts the read-only dashboard (S9): the page, its JSON, live updates, /metrics. */
export async function startDashboard<S = unknown>(options: DashboardOptions<S>): Promise<RunningDashboard> {
  const { log, host, port, clock } = options;
  const logger = options.logger.child({ actor: 'dashboard' });
  const page = buildDashboardPage();
  const runbookFiles = await loadRunbooks(options.runbooksDir, logger);

  let model = withRunbooks(initialDashboard({ heartbeatGapMs: options.heartbeatGapMs }), runbookFiles.map((f) => f.info));
  const gates = options.gates;
  let gatesState = gates?.initial as S;
  let caughtUp = false;

  const readable = withReadableEvidence();
  const view = () => {
    const current = gates ? withGates(model, gates.statuses(gatesState)) : model;
    return readable(dashboardView(current, clock.now(), caughtUp));
  };
  const hub = new SseHub(() => JSON.stringify(view()), { ...DEFAULT_SSE_OPTIONS, ...options.sse });

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> = {
    '/': (_req, res) => send(res, 200, 'text/html; charset=utf-8', page.html, { 'Content-Security-Policy': page.contentSecurityPolicy }),
    '/api/dashboard': (_req, res) => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(view())),
    '/metrics': (_req, res) => send(res, 200, METRICS_CONTENT_TYPE, renderMetrics(view(), { sseClients: hub.size })),
    '/healthz': (_req, res) => send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ status: 'ok', caught_up: caughtUp, log_position: model.log.lastPosition ?? null })),
    // Browsers ask for it on every page load; an empty answer keeps their consoles clean.
    '/favicon.ico': (_req, res) => {
      res.writeHead(204, COMMON_HEADERS).end();
    },
    '/events': (req, res) => (req.method === 'HEAD' ? send(res, 200, 'text/event-stream; charset=utf-8', '') : hub.accept(req, res)),
  };

  const server = createServer((req, res) => {
    if (!hostHeaderAllowed(host, req.headers.host)) return send(res, 403, 'text/plain; charset=utf-8', 'this dashboard answers only to a loopback host name\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain; charset=utf-8', 'the dashboard is read-only: GET only\n', { Allow: 'GET, HEAD' });
    }
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    const route = Object.hasOwn(routes, path) ? routes[path] : path.startsWith('/runbooks/') ? serveRunbook(path.slice('/runbooks/'.length)) : undefined;
    if (!route) return send(res, 404, 'text/plain; charset=utf-8', `no such page: ${path}\n`);
    Promise.resolve(route(req, res)).catch((err: Error) => {
      logger.error({ err: err.message, path }, 'dashboard request failed');
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

  const address = await listen(server, host, port);

  const subscription = log.subscribe(
    (entry) => {
      if (entry.kind === 'corrupt') {
        model = noteCorrupt(model, entry.position, entry.reason);
      } else {
        model = applyBead(model, entry.bead, entry.position);
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

  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;
  logger.info({ url }, 'dashboard listening');
  if (!isLoopback(host)) logger.warn({ host }, 'the dashboard is bound beyond loopback: anyone who can reach this address can read the desk (S14)');

  let stopped = false;
  return {
    url,
    port: address.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      hub.close();
      await subscription.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
