import { streams } from '../../beads/index.ts';
import { localReconPositions } from '../../projections/positions.ts';
import { localOrders, type ReconView, reconcile, reconciliationData } from '../../projections/reconciliation.ts';
import type { ReconcileTrigger } from '../broker/connectionActor.ts';
import type { ResyncResult } from '../broker/resync.ts';
import type { FlowDeps } from './flowDeps.ts';
import type { FlowViews } from './flowViews.ts';
import { Mailbox } from '../../runtime/mailbox.ts';

/**
 * Reconciliation (S5.4): the broker's positions and open orders against the
 * log's. Read-only: it asks the broker, compares, records a RECONCILIATION
 * bead, and on drift raises the CRITICAL alert and (in LIVE) asks the kill
 * switch to set the flag. It never corrects the broker. It runs at startup
 * and on every reconnect (the connection actor's hook) and on its own timer.
 *
 * A fact in flight (a fill the broker already shows, whose bead is a moment
 * from the log) looks like drift for a moment; so drift is looked at twice,
 * a settle apart, and only drift that is still there is recorded as DRIFT.
 */

export type Trigger = ReconcileTrigger | 'PERIODIC' | 'MANUAL';

export interface ReconciliationDeps extends FlowDeps {
  views: FlowViews;
  /** The flow's own mailboxes, so the log holds every fact already received before the log's side is read. */
  settled(): Promise<void>;
  /** A MATCH: the broker holds exactly what the log says (stalled positions may take that as progress). */
  onMatch?(): void;
}

export class ReconciliationActor {
  private readonly queue: Mailbox;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: ReconciliationDeps) {
    this.queue = new Mailbox(d.logger.child({ actor: 'reconciliation' }), 'reconciliation');
  }

  /** The periodic run: every RECONCILE_INTERVAL_S (time-scaled); S5.4 asks for at least every 5 minutes. */
  start(): void {
    const every = Math.max(50, this.d.config.RECONCILE_INTERVAL_S * 1000 * this.d.config.TIME_SCALE);
    this.timer = setInterval(() => void this.run('PERIODIC'), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.queue.settled();
  }

  /** One reconciliation, queued behind any running; `resync` is the broker's view just read by the connection actor. */
  run(trigger: Trigger, resync?: ResyncResult): Promise<void> {
    return this.queue.run(() => this.reconcileOnce(trigger, resync));
  }

  private async brokerView(resync?: ResyncResult): Promise<ReconView | undefined> {
    const c = this.d.broker.connector;
    if (resync === undefined && !c.session()) return undefined;
    const positions = resync?.positions ?? (await c.positions());
    const orders = resync?.openOrders ?? (await c.openOrders());
    return {
      positions: positions.map((p) => ({
        pair: p.pair,
        quantity: p.quantity,
        ...(p.avgCost === undefined ? {} : { avg_price: p.avgCost }),
      })),
      open_orders: orders.map((o) => ({
        order_id: o.orderId,
        status: o.status,
        ...(o.orderRef ? { order_ref: o.orderRef } : {}),
      })),
    };
  }

  private async localView(): Promise<ReconView> {
    await this.d.settled();
    return {
      positions: localReconPositions(this.d.views.positions),
      open_orders: localOrders(this.d.views.workingOrders),
    };
  }

  private async reconcileOnce(trigger: Trigger, resync?: ResyncResult): Promise<void> {
    const { logger, config } = this.d;
    let broker: ReconView | undefined;
    try {
      broker = await this.brokerView(resync);
    } catch (err) {
      logger.warn({ trigger, err: (err as Error).message }, 'reconciliation skipped: the broker did not answer');
      return;
    }
    if (broker === undefined) {
      logger.info({ trigger }, 'reconciliation skipped: not connected');
      return;
    }
    let local = await this.localView();
    if (reconcile(broker, local).result === 'DRIFT') {
      await new Promise((r) => setTimeout(r, Math.max(300, 3_000 * config.TIME_SCALE)));
      try {
        broker = (await this.brokerView()) ?? broker;
      } catch {
        // The first answer stands.
      }
      local = await this.localView();
    }
    await this.record(trigger, broker, local);
  }

  private async record(trigger: Trigger, broker: ReconView, local: ReconView): Promise<void> {
    const { writer, config, alerts, killSwitch, logger, clock } = this.d;
    const data = reconciliationData(broker, local, trigger);
    const { beads } = await writer.write({
      bead_type: 'RECONCILIATION',
      stream: streams.reconciliation,
      correlation_id: `reconciliation-${clock.now()}`,
      data,
    });
    const bead = beads[0]!;
    if (data.result === 'MATCH') {
      logger.info({ trigger }, 'reconciliation MATCH');
      this.d.onMatch?.();
      return;
    }
    const items = data.drift.map((i) => `${i.kind} ${i.subject}${i.broker ? ` broker ${i.broker}` : ''}${i.local ? ` log ${i.local}` : ''}`);
    const message = `Reconciliation DRIFT (${trigger}): ${items.join('; ')}. The broker is not corrected; follow RB-002.`;
    logger.error({ trigger, drift: data.drift }, message);
    await alerts.raise({
      type: 'alert', alertType: 'RECONCILIATION_DRIFT',
      message,
      dedupeKey: `RECONCILIATION_DRIFT:${items.join('|')}`,
      correlationId: bead.correlation_id,
      causationId: bead.bead_id,
    });
    // S5.4 / RB-005: in LIVE, drift stops new entries until a person has looked.
    if (config.mode === 'LIVE')
      await killSwitch.request({
        type: 'DRIFT_DETECTED',
        mode: config.mode,
        reason: message,
        cause: bead.bead_id,
      });
  }
}
