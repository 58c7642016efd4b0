import type { PacingVerdict, SubmitPacer } from './submitGuards.ts';

/**
 * The client-side throttle (S4.2). IB allows 50 messages a second from one
 * client, all types together; going over gives error 100 and, repeated, costs
 * the connection. Every message the connector sends takes tokens here first:
 * one bucket for all messages, and a second, slower one that orders also
 * take, so an order burst cannot starve the probes and resyncs. The excess
 * waits in a queue, and a backlog is reported once per episode (a WARNING,
 * RB-008) rather than per message.
 *
 * Pacing is not time-scaled: IB's limit is in real seconds.
 */

export type PacingLane = 'probe' | 'request' | 'order';

export interface PacerOptions {
  /** Sustained messages per second; 40 keeps clear of IB's 50. */
  messagesPerSecond: number;
  /** Orders per second, on top of the message limit. */
  ordersPerSecond: number;
  /**
   * Tokens that may go out at once. Any one-second window then carries at most
   * burst + rate messages (5 + 40 = 45 < 50), whatever the phase of IB's window.
   */
  burst: number;
  /** A queue longer than this refuses new requests rather than letting them wait for ever. */
  maxQueued: number;
  /** A message that waits at least this long (or a queue this deep) opens a backlog episode. */
  warnAfterMs: number;
  warnAtQueued: number;
  now(): number;
}

export const DEFAULT_PACER: Omit<PacerOptions, 'now'> = {
  messagesPerSecond: 40,
  ordersPerSecond: 25,
  burst: 5,
  maxQueued: 2_000,
  warnAfterMs: 250,
  warnAtQueued: 10,
};

export interface PacingBacklog {
  queued: number;
  lane: PacingLane;
  /** The expected wait of the newest message, in ms. */
  expectedWaitMs: number;
}

interface Waiter {
  messages: number;
  lane: PacingLane;
  resolve(verdict: PacingVerdict): void;
}

class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
  }

  has(n: number): boolean {
    return this.tokens >= n;
  }

  take(n: number): void {
    this.tokens -= n;
  }

  /** Milliseconds until `n` tokens are there (after a refill). */
  waitFor(n: number): number {
    return this.tokens >= n ? 0 : ((n - this.tokens) / this.perSecond) * 1000;
  }
}

export class MessagePacer implements SubmitPacer {
  private readonly options: PacerOptions;
  private readonly all: Bucket;
  private readonly orders: Bucket;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inEpisode = false;
  private closedReason: string | undefined;
  private readonly backlogListeners: ((b: PacingBacklog) => void)[] = [];
  /** Messages let through, for tests and the dashboard. */
  sent = 0;
  /** Backlog episodes reported so far. */
  episodes = 0;

  constructor(options: Partial<PacerOptions> = {}) {
    this.options = { ...DEFAULT_PACER, now: () => performance.now(), ...options };
    const now = this.options.now();
    this.all = new Bucket(this.options.messagesPerSecond, this.options.burst, now);
    this.orders = new Bucket(this.options.ordersPerSecond, this.options.burst, now);
  }

  /** Called once at the start of each backlog episode. */
  onBacklog(listener: (backlog: PacingBacklog) => void): void {
    this.backlogListeners.push(listener);
  }

  get queued(): number {
    return this.queue.reduce((sum, w) => sum + w.messages, 0);
  }

  /** SubmitPacer: the guard chain paces orders. Resolves when `messages` may go out now. */
  acquire(messages: number, lane: PacingLane = 'order'): Promise<PacingVerdict> {
    if (this.closedReason !== undefined) return Promise.resolve({ ok: false, reason: this.closedReason });
    if (!(messages >= 1 && messages <= this.options.burst)) {
      // A larger batch could put more than the limit into one second; callers split instead.
      return Promise.resolve({ ok: false, reason: `cannot pace ${messages} messages at once (1..${this.options.burst})` });
    }
    if (this.queued + messages > this.options.maxQueued) {
      return Promise.resolve({ ok: false, reason: `pacing queue full (${this.queued} messages waiting); refused rather than queued` });
    }
    return new Promise<PacingVerdict>((resolve) => {
      const waiter: Waiter = { messages, lane, resolve };
      // Probes jump the queue: a liveness check stuck behind an order burst would declare a healthy link dead.
      if (lane === 'probe') this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.pump();
      if (this.queue.includes(waiter)) this.noteBacklog(waiter);
    });
  }

  /** Refuses everything queued and everything after; used when the connector shuts down. */
  close(reason: string): void {
    this.closedReason = reason;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.queue.splice(0)) w.resolve({ ok: false, reason });
  }

  private pump(): void {
    const now = this.options.now();
    this.all.refill(now);
    this.orders.refill(now);
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const isOrder = head.lane === 'order';
      if (!this.all.has(head.messages) || (isOrder && !this.orders.has(head.messages))) break;
      this.queue.shift();
      this.all.take(head.messages);
      if (isOrder) this.orders.take(head.messages);
      this.sent += head.messages;
      head.resolve({ ok: true });
    }
    if (this.queue.length === 0) {
      this.inEpisode = false;
      return;
    }
    if (this.timer) return;
    const head = this.queue[0]!;
    const wait = Math.max(this.all.waitFor(head.messages), head.lane === 'order' ? this.orders.waitFor(head.messages) : 0);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(wait)),
    );
  }

  private noteBacklog(waiter: Waiter): void {
    if (this.inEpisode) return;
    const queued = this.queued;
    const perSecond = waiter.lane === 'order' ? Math.min(this.options.ordersPerSecond, this.options.messagesPerSecond) : this.options.messagesPerSecond;
    const expectedWaitMs = (queued / perSecond) * 1000;
    if (queued < this.options.warnAtQueued && expectedWaitMs < this.options.warnAfterMs) return;
    this.inEpisode = true;
    this.episodes += 1;
    for (const listener of this.backlogListeners) listener({ queued, lane: waiter.lane, expectedWaitMs });
  }
}
