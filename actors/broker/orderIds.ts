/**
 * Order ids are never reused (S4.2). IB only accepts ids above any it has
 * seen from this client, and a gateway restart (an auto-update) can roll its
 * `nextValidId` back; an id reused then would modify or clash with an old
 * order. So the highest id ever used is kept in the log, on the write-ahead
 * ORDER beads, and every (re)connect takes max(nextValidId, highest used + 1).
 */
export class OrderIdAllocator {
  private brokerNext: number | undefined;

  /** `highestUsed`: the largest `order_id` in the log's ORDER beads (0 if none). */
  constructor(private highest = 0) {}

  get highestUsed(): number {
    return this.highest;
  }

  /** The id the next allocation would hand out, or undefined before the first nextValidId. */
  get next(): number | undefined {
    return this.brokerNext === undefined ? undefined : Math.max(this.brokerNext, this.highest + 1);
  }

  /** The broker's nextValidId, on every (re)connect and every reqIds answer. A lower one is ignored in effect. */
  adopt(nextValidId: number): void {
    this.brokerNext = nextValidId;
  }

  /** An id seen elsewhere (a bead, an open order at the broker): never hand it out again. */
  markUsed(orderId: number): void {
    if (orderId > this.highest) this.highest = orderId;
  }

  /** `count` consecutive fresh ids; throws before the broker has told us its nextValidId. */
  allocate(count = 1): number[] {
    const first = this.next;
    if (first === undefined) throw new Error('no order id can be allocated before the gateway has sent nextValidId');
    const ids = Array.from({ length: count }, (_, i) => first + i);
    this.highest = first + count - 1;
    return ids;
  }
}
