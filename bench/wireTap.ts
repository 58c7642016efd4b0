import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measure } from './table.ts';
import { epochNow } from './wireTapRelay.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

type Outbound = { type: 'listening'; port: number } | { type: 'arrival'; id: number; at: number } | { type: 'pong'; n: number; at: number };

const CALIBRATION_PINGS = 40;

/**
 * The B3 wire tap, run as its own process between the client under test and
 * the gateway simulator. Arrival times come back in this process's
 * performance.now() timebase: the two wall clocks are lined up NTP-style, by
 * the round trip with the smallest delay, so the error is at most half that
 * round trip (tens of microseconds on loopback IPC) and is printed with it.
 */
export class WireTap {
  port = 0;
  /** Half the best calibration round trip: how far an arrival time can be off. */
  uncertaintyMs = Number.NaN;
  private child: ChildProcess | undefined;
  /** Child's epoch clock minus ours. */
  private offsetMs = 0;
  private readonly arrivals = new Map<number, number>();
  private readonly waiters = new Map<number, (at: number) => void>();
  private readonly pongs = new Map<number, (at: number) => void>();

  constructor(private readonly upstreamPort: number) {}

  async listen(): Promise<number> {
    const child = fork(join(ROOT, 'bench', 'wireTapMain.ts'), [String(this.upstreamPort)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      cwd: ROOT,
    });
    this.child = child;
    const listening = new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the wire tap exited (${code}) before listening`)));
      child.on('message', (m: Outbound) => {
        if (m.type === 'listening') resolve(m.port);
        else if (m.type === 'pong') this.pongs.get(m.n)?.(m.at);
        else this.arrived(m.id, m.at);
      });
    });
    this.port = await listening;
    await this.calibrate();
    return this.port;
  }

  /** Resolves with the arrival time of order `id`'s placeOrder frame, as performance.now() in this process. */
  /** When order `id`'s placeOrder bytes reached the tap; a refused order never comes, so the wait has a deadline. */
  arrival(id: number, timeoutMs = 20_000): Promise<number> {
    const seen = this.arrivals.get(id);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`wire tap: order ${id} did not reach the simulator within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ type: 'close' });
    await exited;
  }

  private arrived(id: number, childAt: number): void {
    const at = childAt - this.offsetMs - performance.timeOrigin;
    this.arrivals.set(id, at);
    this.waiters.get(id)?.(at);
    this.waiters.delete(id);
  }

  private async calibrate(): Promise<void> {
    let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
    for (let n = 0; n < CALIBRATION_PINGS; n += 1) {
      const t0 = epochNow();
      const childAt = await new Promise<number>((resolve) => {
        this.pongs.set(n, resolve);
        this.child?.send({ type: 'ping', n });
      });
      const t1 = epochNow();
      this.pongs.delete(n);
      if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: childAt - (t0 + t1) / 2 };
    }
    this.offsetMs = best.offset;
    this.uncertaintyMs = best.rtt / 2;
  }
}

/** The table row that says how far the tap's arrival times can be off. */
export function tapAlignment(tap: WireTap): Measure {
  return { id: 'B3', what: 'wire tap (own process): clock alignment error, at most', value: tap.uncertaintyMs, unit: 'ms' };
}
