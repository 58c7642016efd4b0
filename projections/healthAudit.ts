import type { Bead } from '../beads/index.ts';

/**
 * The history answers of S6.4: alert history, drift history, position history
 * and bunny scars over a window, as pure folds over the log in global order.
 * Each keeps only what falls in the window (plus the open stories it needs).
 */

export interface AlertRecord {
  at: string;
  event: 'RAISED' | 'RESOLVED';
  alertId: string;
  type: string;
  severity: string;
  message: string;
  runbook?: string;
  /** The last thing that happened to its delivery: SENT, GROUPED, THROTTLED, FAILED, RETRIED, or QUEUED. */
  delivery: string;
  /** Which host (or watchdog) raised it. */
  by: string;
}

export class AlertHistoryFold {
  private readonly byId = new Map<string, AlertRecord>();

  constructor(private readonly fromMs: number) {}

  apply(bead: Bead): void {
    if (bead.bead_type !== 'ALERT') return;
    const d = bead.data;
    if (d.event === 'RAISED' || d.event === 'RESOLVED') {
      if (Date.parse(bead.ts) < this.fromMs) return;
      this.byId.set(d.alert_id, {
        at: bead.ts,
        event: d.event,
        alertId: d.alert_id,
        type: d.alert_type,
        severity: d.severity,
        message: d.message,
        ...(d.runbook_id ? { runbook: d.runbook_id } : {}),
        delivery: 'QUEUED',
        by: bead.host_id,
      });
      return;
    }
    const record = this.byId.get(d.alert_id);
    if (record) record.delivery = d.event;
  }

  result(): AlertRecord[] {
    return [...this.byId.values()];
  }
}

export interface DriftRecord {
  at: string;
  result: 'MATCH' | 'DRIFT';
  trigger?: string;
  items: string[];
}

export class DriftHistoryFold {
  private readonly records: DriftRecord[] = [];

  constructor(private readonly fromMs: number) {}

  apply(bead: Bead): void {
    if (bead.bead_type !== 'RECONCILIATION' || Date.parse(bead.ts) < this.fromMs) return;
    const d = bead.data;
    this.records.push({
      at: bead.ts,
      result: d.result,
      ...(d.trigger ? { trigger: d.trigger } : {}),
      items: d.drift.map((i) => `${i.kind} ${i.subject}${i.broker !== undefined || i.local !== undefined ? ` (broker ${i.broker ?? '—'}, local ${i.local ?? '—'})` : ''}`),
    });
  }

  result(): DriftRecord[] {
    return this.records;
  }
}

export interface PositionRecord {
  positionId: string;
  pair: string;
  side: string;
  quantity: number;
  openedAt: string;
  lastAt: string;
  /** Every state the position went through, in order. */
  states: string[];
  realisedPnl?: number;
}

export class PositionHistoryFold {
  private readonly byId = new Map<string, PositionRecord>();

  constructor(private readonly fromMs: number) {}

  apply(bead: Bead): void {
    if (bead.bead_type !== 'POSITION') return;
    const d = bead.data;
    let record = this.byId.get(d.position_id);
    if (!record) {
      record = { positionId: d.position_id, pair: d.pair, side: d.side, quantity: d.quantity, openedAt: bead.ts, lastAt: bead.ts, states: [] };
      this.byId.set(d.position_id, record);
    }
    if (record.states.at(-1) !== d.state) record.states.push(d.state);
    record.lastAt = bead.ts;
    if (d.quantity > 0) record.quantity = d.quantity;
    if (d.realised_pnl !== undefined) record.realisedPnl = d.realised_pnl;
  }

  result(): PositionRecord[] {
    // A position is in the window when any of its transitions is; one that ended before it belongs to another window.
    return [...this.byId.values()].filter((r) => Date.parse(r.lastAt) >= this.fromMs);
  }
}

export interface ScarRecord {
  at: string;
  runId: string;
  vectorId: string;
  evidence: string;
  /** FULL, PARTIAL or SWEEP; a SWEEP a host triggered after a parameter change names the PROMOTION bead that asked for it. */
  scope?: string;
  triggeredBy?: string;
  /** The settings the vector ran under (`--with`): the parameter change a sweep validates. */
  settings?: Record<string, string>;
}

/** Bunny scars: chaos vectors that FAILED. */
export class ScarFold {
  private readonly scars: ScarRecord[] = [];

  constructor(private readonly fromMs: number) {}

  apply(bead: Bead): void {
    if (bead.bead_type !== 'BUNNY' || bead.data.result !== 'FAIL' || Date.parse(bead.ts) < this.fromMs) return;
    const d = bead.data;
    this.scars.push({
      at: bead.ts,
      runId: d.run_id,
      vectorId: d.vector_id,
      evidence: d.evidence,
      ...(d.run_scope ? { scope: d.run_scope } : {}),
      ...(d.triggered_by ? { triggeredBy: d.triggered_by } : {}),
      ...(d.settings ? { settings: d.settings } : {}),
    });
  }

  result(): ScarRecord[] {
    return this.scars;
  }
}
