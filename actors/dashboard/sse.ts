import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SseOptions {
  /** At most one update per this many ms: a burst of beads becomes one frame (default 200 ms, 5/s). */
  minIntervalMs: number;
  /** A comment line this often keeps proxies and idle timers from closing the stream. */
  keepAliveMs: number;
  /** Re-send the view this often even without beads: ages and the "heartbeat late" banner move with time. */
  refreshMs: number;
  /** Browsers beyond this get 503: the stream costs a socket and a render each. */
  maxClients: number;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = { minIntervalMs: 200, keepAliveMs: 15_000, refreshMs: 5_000, maxClients: 32 };

interface Client {
  res: ServerResponse;
  /** The socket's buffer is full: skip frames until it drains, then send only the newest. */
  congested: boolean;
  missed: boolean;
}

/**
 * The /events stream. Every frame is the whole view, so a slow or reconnecting
 * browser never needs the frames it missed: only the newest matters.
 */
export class SseHub {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;
  private lastSentAt = 0;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly refresh: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly render: () => string,
    private readonly options: SseOptions = DEFAULT_SSE_OPTIONS,
  ) {
    this.keepAlive = setInterval(() => this.writeAll(': keepalive\n\n'), options.keepAliveMs);
    this.refresh = setInterval(() => this.changed(), options.refreshMs);
    // Neither timer should keep a process alive on its own: the host decides when to exit.
    this.keepAlive.unref();
    this.refresh.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  accept(req: IncomingMessage, res: ServerResponse): void {
    if (this.closed || this.clients.size >= this.options.maxClients) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5' });
      res.end('too many dashboard streams open\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // Tells a buffering reverse proxy (nginx) to pass frames through at once.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const client: Client = { res, congested: false, missed: false };
    this.clients.add(client);
    res.on('drain', () => {
      client.congested = false;
      if (client.missed) this.send(client, this.frame());
    });
    const drop = () => this.clients.delete(client);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    this.send(client, `retry: 2000\n${this.frame()}`);
  }

  /** Something changed: send the view soon, at most once per minIntervalMs. */
  changed(): void {
    if (this.closed || this.timer || this.clients.size === 0) return;
    const wait = Math.max(0, this.lastSentAt + this.options.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastSentAt = Date.now();
      if (this.clients.size > 0) this.writeAll(this.frame());
    }, wait);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.keepAlive);
    clearInterval(this.refresh);
    if (this.timer) clearTimeout(this.timer);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private frame(): string {
    // JSON.stringify escapes every newline inside strings, so the view is one `data:` line.
    return `event: model\ndata: ${this.render()}\n\n`;
  }

  private writeAll(chunk: string): void {
    for (const c of this.clients) this.send(c, chunk);
  }

  private send(client: Client, chunk: string): void {
    if (client.congested) {
      client.missed = true;
      return;
    }
    client.missed = false;
    if (!client.res.write(chunk)) client.congested = true;
  }
}
