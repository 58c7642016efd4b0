/**
 * A request whose answer comes as many messages and an end marker
 * (positions…positionEnd, execDetails…execDetailsEnd): items are gathered
 * until the end, a timeout, or the session ending under it.
 */
export class Gather<T> {
  readonly items: T[] = [];
  private timer: NodeJS.Timeout;
  private settled = false;

  constructor(
    readonly what: string,
    timeoutMs: number,
    private readonly resolve: (items: T[]) => void,
    private readonly reject: (err: Error) => void,
  ) {
    this.timer = setTimeout(() => this.fail(new Error(`${what}: no complete answer within ${Math.round(timeoutMs)} ms`)), timeoutMs);
  }

  get open(): boolean {
    return !this.settled;
  }

  add(item: T): void {
    if (!this.settled) this.items.push(item);
  }

  end(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(this.items);
  }

  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.reject(err);
  }
}

export function gather<T>(what: string, timeoutMs: number, start: (g: Gather<T>) => void): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const g = new Gather<T>(what, timeoutMs, resolve, reject);
    try {
      start(g);
    } catch (err) {
      g.fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
