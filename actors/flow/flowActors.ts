import type { BeadOf, Intent } from '../../beads/index.ts';
import { streams } from '../../beads/index.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { ApprovalTokens } from '../broker/tokens.ts';
import { ApprovalActor, type ApprovalActorDeps } from './approvalActor.ts';
import type { BrokerReadiness } from './brokerReadiness.ts';
import { type CloseDeps, closePosition } from './closePosition.ts';
import type { FlowDeps } from './flowDeps.ts';
import type { FlowViews } from './flowViews.ts';
import type { OrderBook } from './orderBook.ts';
import type { OrderRouter } from './orderRouter.ts';
import { PositionActor, type PositionStart } from './positionActor.ts';
import type { PriceBook } from './priceBook.ts';
import { protectPosition } from './protectPosition.ts';
import type { StartupState } from './startupScan.ts';
import type { Submitter } from './submitter.ts';

/**
 * The flow's live actors, one per approval and one per position, and what
 * they share. A position's commands (close, protect) run one at a time per
 * kind: a command repeated while one runs (a resume, a second request) is
 * that one. A position that ends leaves; an ended approval leaves once its
 * mailbox is empty.
 */

export interface FlowParts extends FlowDeps {
  logger: Logger;
  views: FlowViews;
  book: OrderBook;
  router: OrderRouter;
  submitter: Submitter;
  tokens: ApprovalTokens;
  prices: PriceBook;
  ready: BrokerReadiness;
  startup: StartupState;
}

export class FlowActors {
  readonly positions = new Map<string, PositionActor>();
  readonly approvals = new Map<string, ApprovalActor>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly closeDeps: CloseDeps;
  private readonly approvalDeps: ApprovalActorDeps;

  constructor(private readonly p: FlowParts) {
    this.closeDeps = { ...p, book: p.book, router: p.router, submitter: p.submitter, ready: p.ready };
    this.approvalDeps = {
      ...p,
      startPosition: (input) => {
        if (!this.positions.has(input.positionId)) this.newPosition({ input }).start();
      },
      abandon: (orders, reason) => this.abandon(orders, reason),
    };
  }

  newPosition(start: PositionStart): PositionActor {
    const { writer, logger, alerts, book, clock } = this.p;
    const actor = new PositionActor(
      {
        writer,
        logger,
        alerts,
        book,
        now: () => clock.now(),
        onCommand: (p, c) => this.once(`${c.command}:${p.positionId}`, () => (c.command === 'close' ? closePosition(p, c.by, this.closeDeps) : protectPosition(p, this.closeDeps))),
        onEnded: (p) => {
          this.positions.delete(p.positionId);
        },
      },
      start,
    );
    this.positions.set(actor.positionId, actor);
    return actor;
  }

  newApproval(start: ConstructorParameters<typeof ApprovalActor>[1]): ApprovalActor {
    const actor = new ApprovalActor(this.approvalDeps, start);
    this.approvals.set(actor.intentId, actor);
    return actor;
  }

  /** Takes up a READY intent (at-least-once delivery: an approval already on the log is this one, seen before). */
  async onReadyIntent(intent: Intent, bead: BeadOf<'INTENT'>): Promise<void> {
    const id = intent.intent_id;
    if (this.approvals.has(id) || this.p.startup.approvals.byId.has(id)) return;
    if ((await this.p.writer.log.readStream(streams.approval(id), { limit: 1 })).length > 0) return;
    this.newApproval({ intent, contentHash: bead.data.outcome === 'ACCEPTED' ? bead.data.content_hash : '' }).start();
  }

  /** Time passes for every machine; ended approvals leave. */
  clock(): void {
    for (const a of this.approvals.values()) a.clock();
    for (const p of this.positions.values()) p.clock();
    for (const [id, a] of this.approvals) if (a.ended) void a.settled().then(() => this.approvals.delete(id));
  }

  tick(pair: string, price: number): void {
    for (const p of this.positions.values()) if (p.snapshot.context.pair === pair) p.tick(price);
  }

  async settled(): Promise<void> {
    await this.p.router.settled();
    await Promise.all([...this.approvals.values()].map((a) => a.settled()));
    await Promise.all([...this.positions.values()].map((p) => p.settled()));
  }

  stop(): void {
    for (const a of this.approvals.values()) a.stop();
    for (const p of this.positions.values()) p.stop();
  }

  private once(key: string, work: () => Promise<void>): void {
    if (this.running.has(key)) return;
    const job = work()
      .catch((err: Error) => this.p.logger.error({ key, err: err.message }, 'position work failed'))
      .finally(() => this.running.delete(key));
    this.running.set(key, job);
  }

  /** A bracket only partly sent: the orders are given up on the record, and what the broker holds is cancelled. */
  private async abandon(orders: Parameters<ApprovalActorDeps['abandon']>[0], reason: string): Promise<void> {
    for (const t of orders) {
      const record = this.p.book.byOrderRef(t.orderRef);
      if (record && !record.acknowledged) await this.p.router.record(record, { event: 'CANCELLED', reason: `bracket only partly sent: ${reason}` });
      await this.p.broker.connector.cancelOrder(t.orderId).catch(() => undefined);
    }
  }
}
