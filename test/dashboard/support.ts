import { request } from 'node:http';
import { ManualClock } from '../../runtime/clock.ts';
import { type DashboardOptions, type RunningDashboard, startDashboard } from '../../actors/dashboard/index.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Bead } from '../../beads/index.ts';
import type { DashboardView } from '../../projections/dashboardView.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog } from '../../store/port.ts';
import { T0 } from './beads.ts';

/** Fails any write: the dashboard must only ever read the log. */
export function readOnlyGuard(log: EventLog): EventLog & { appendAttempts: number } {
  const guarded = Object.create(log) as EventLog & { appendAttempts: number };
  guarded.appendAttempts = 0;
  const refuse = async (): Promise<never> => {
    guarded.appendAttempts += 1;
    throw new Error('the dashboard tried to write to the log');
  };
  guarded.append = refuse;
  guarded.appendMany = refuse;
  return guarded;
}

export interface TestDashboard {
  log: EventLog;
  clock: ManualClock;
  dashboard: RunningDashboard;
  /** Appends the dashboard attempted: always 0 for a read-only dashboard. */
  writesByDashboard(): number;
  /** Appends through the real log, as the host would. */
  append(...beads: Bead[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestDashboard(
  options: { log?: EventLog; history?: Bead[]; clockAt?: number } & Partial<Omit<DashboardOptions, 'log' | 'clock'>> = {},
): Promise<TestDashboard> {
  const { log = new MemoryEventLog(), history = [], clockAt = T0, ...rest } = options;
  for (const b of history) await log.append(b.stream, [b]);
  const clock = new ManualClock(clockAt);
  const guarded = readOnlyGuard(log);
  const dashboard = await startDashboard({ host: '127.0.0.1', port: 0, logger: silentLogger, ...rest, log: guarded, clock });
  return {
    log,
    clock,
    dashboard,
    writesByDashboard: () => guarded.appendAttempts,
    async append(...beads) {
      for (const b of beads) await log.append(b.stream, [b]);
    },
    async stop() {
      await dashboard.stop();
      await log.close();
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP request, so tests choose the method and the Host header freely. */
export function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    // An explicit length: Node sends a DELETE body unframed otherwise, and the server rightly drops the socket.
    const headers = options.body === undefined ? options.headers : { ...options.headers, 'Content-Length': String(Buffer.byteLength(options.body)) };
    const req = request(url, { method: options.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export async function fetchView(dashboard: RunningDashboard): Promise<DashboardView> {
  return JSON.parse((await http(`${dashboard.url}api/dashboard`)).body) as DashboardView;
}

/** Polls until the view satisfies `ready`; returns it. */
export async function waitForView(dashboard: RunningDashboard, ready: (v: DashboardView) => boolean, timeoutMs = 5000): Promise<DashboardView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await fetchView(dashboard);
    if (ready(view)) return view;
    if (Date.now() > deadline) throw new Error(`the dashboard view never got ready; last: ${JSON.stringify(view).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface EventStream {
  frames: { at: number; event: string; view: DashboardView }[];
  comments: string[];
  /** Resolves with the first frame (already received or to come) that satisfies `match`. */
  next(match: (v: DashboardView) => boolean, timeoutMs?: number): Promise<DashboardView>;
  close(): void;
}

/** Reads /events as a browser's EventSource would, frame by frame. */
export function openEvents(dashboard: RunningDashboard): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const frames: EventStream['frames'] = [];
    const comments: string[] = [];
    const waiters = new Set<() => void>();
    const req = request(`${dashboard.url}events`, { headers: { Accept: 'text/event-stream' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          comments.push(...lines.filter((l) => l.startsWith(':')));
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
          const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
          if (data.length) frames.push({ at: Date.now(), event, view: JSON.parse(data.join('\n')) as DashboardView });
          for (const wake of waiters) wake();
          end = buffer.indexOf('\n\n');
        }
      });
      resolve({
        frames,
        comments,
        next(match, timeoutMs = 5000) {
          return new Promise((ok, fail) => {
            const check = () => {
              const found = frames.find((f) => match(f.view));
              if (!found) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok(found.view);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching SSE frame in ${timeoutMs} ms (${frames.length} frames)`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
