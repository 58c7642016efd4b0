/**
 * The liveness probe (S4.2). A half-open gateway keeps the TCP socket up and
 * says nothing, and neither the socket nor the library notices. So every
 * `intervalMs` without traffic the connector sends `reqCurrentTime`, and if
 * nothing at all comes back within `timeoutMs` of that probe the link is
 * declared dead. Any inbound message counts as an answer: a gateway busy
 * answering an order burst is alive. Worst case from the last sign of life to
 * the verdict: interval + timeout + one check step (2 + 4 + 0.5 s = 6.5 s by
 * default, under the 10 s target).
 */

export interface ProbeOptions {
  intervalMs: number;
  timeoutMs: number;
}

export const DEFAULT_PROBE: ProbeOptions = { intervalMs: 2_000, timeoutMs: 4_000 };

/** The probe timings for a TIME_SCALE; never below what a busy loopback needs to answer honestly. */
export function scaledProbe(timeScale: number, floor: ProbeOptions = { intervalMs: 200, timeoutMs: 1_000 }): ProbeOptions {
  return {
    intervalMs: Math.max(floor.intervalMs, DEFAULT_PROBE.intervalMs * timeScale),
    timeoutMs: Math.max(floor.timeoutMs, DEFAULT_PROBE.timeoutMs * timeScale),
  };
}

export interface ProbeHooks {
  /** Sends one probe; may wait for pacing. */
  send(): void | Promise<void>;
  /** The link is dead; `lastAliveAt` is the epoch ms of the last inbound message. */
  dead(lastAliveAt: number): void;
  now(): number;
}

export class LivenessProbe {
  private lastInbound: number;
  private probeSentAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly options: ProbeOptions,
    private readonly hooks: ProbeHooks,
  ) {
    this.lastInbound = hooks.now();
  }

  start(): void {
    const step = Math.max(5, Math.min(this.options.intervalMs, this.options.timeoutMs) / 4);
    this.timer = setInterval(() => this.check(), step);
    this.timer.unref?.();
  }

  /** Call on every inbound message. */
  alive(): void {
    this.lastInbound = this.hooks.now();
  }

  get lastAliveAt(): number {
    return this.lastInbound;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (this.stopped) return;
    const now = this.hooks.now();
    const outstanding = this.probeSentAt !== undefined && this.lastInbound < this.probeSentAt;
    if (outstanding) {
      if (now - this.probeSentAt! >= this.options.timeoutMs) {
        this.stop();
        this.hooks.dead(this.lastInbound);
      }
      return;
    }
    if (now - this.lastInbound < this.options.intervalMs) return;
    if (this.probeSentAt !== undefined && now - this.probeSentAt < this.options.intervalMs) return;
    this.probeSentAt = now;
    void Promise.resolve(this.hooks.send()).catch(() => undefined);
  }
}
