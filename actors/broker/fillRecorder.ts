import { type Bead, type BeadDraft, streams } from '../../beads/index.ts';
import { Mailbox } from '../../runtime/mailbox.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { ExecutionReport } from './connector.ts';

/**
 * The one writer of FILL beads. An execution can reach Phoenix twice: live,
 * and again in the resync after a reconnect (or a restart), which asks for
 * every execution since the loss. Either way it is recorded exactly once,
 * keyed by IB's execution id, and listeners hear of it only after its bead is
 * in the log (the write-ahead rule, read the other way: the record first).
 */

export interface RecordedFill {
  bead: Bead;
  execution: ExecutionReport;
}

export class FillRecorder {
  /** One at a time: a live execution and its resync twin arriving together must not both pass the check. */
  private readonly mailbox: Mailbox;
  private readonly listeners: ((fill: RecordedFill) => void)[] = [];

  constructor(
    private readonly writer: BeadWriter,
    /** Execution ids already in the log (see brokerLogFacts.ts); kept current here. */
    private readonly recorded: Set<string>,
    private readonly logger: Logger,
  ) {
    this.mailbox = new Mailbox(logger, 'fill recorder');
  }

  /** Called for each fill after its bead is appended; the trade flow follows positions from here. */
  onFill(listener: (fill: RecordedFill) => void): void {
    this.listeners.push(listener);
  }

  has(execId: string): boolean {
    return this.recorded.has(execId);
  }

  /** Records one execution unless it already is; resolves with the bead, or undefined for a repeat. */
  record(execution: ExecutionReport): Promise<Bead | undefined> {
    return this.mailbox.ask(() => this.recordNow(execution));
  }

  private async recordNow(e: ExecutionReport): Promise<Bead | undefined> {
    if (this.recorded.has(e.execId)) return undefined;
    const stream = streams.order(e.orderRef || `id-${e.orderId}`);
    // The set holds the latest executions only (issue 15: bounded memory); an older one is in its order's stream if recorded.
    if (await this.inStream(stream, e.execId)) {
      this.recorded.add(e.execId);
      return undefined;
    }
    const story = await this.orderStory(stream);
    const draft: BeadDraft = {
      bead_type: 'FILL',
      stream,
      correlation_id: story.correlationId ?? `order-${e.orderRef || e.orderId}`,
      ...(story.causationId ? { causation_id: story.causationId } : {}),
      data: {
        exec_id: e.execId,
        order_id: e.orderId,
        pair: e.pair,
        side: e.side,
        quantity: e.quantity,
        price: e.price,
        time: e.time,
        ...(e.orderRef ? { order_ref: e.orderRef } : {}),
        ...(story.positionId ? { position_id: story.positionId } : {}),
        ...(e.commission === undefined ? {} : { commission: e.commission }),
      },
    };
    const { beads } = await this.writer.write(draft);
    this.recorded.add(e.execId);
    const bead = beads[0]!;
    for (const listener of this.listeners) {
      try {
        listener({ bead, execution: e });
      } catch (err) {
        this.logger.error({ err: String(err), execId: e.execId }, 'a fill listener threw');
      }
    }
    return bead;
  }

  private async inStream(stream: string, execId: string): Promise<boolean> {
    const entries = await this.writer.log.readStream(stream);
    return entries.some((x) => x.kind === 'bead' && x.bead.bead_type === 'FILL' && x.bead.data.exec_id === execId);
  }

  /** The write-ahead ORDER bead of this order, if Phoenix sent it: its story and position carry over to the fill. */
  private async orderStory(stream: string): Promise<{ correlationId?: string; causationId?: string; positionId?: string }> {
    const entries = await this.writer.log.readStream(stream, { limit: 1 });
    const first = entries[0];
    if (first?.kind !== 'bead' || first.bead.bead_type !== 'ORDER') return {};
    const story: { correlationId?: string; causationId?: string; positionId?: string } = {
      correlationId: first.bead.correlation_id,
      causationId: first.bead.bead_id,
    };
    if (first.bead.data.position_id) story.positionId = first.bead.data.position_id;
    return story;
  }
}
