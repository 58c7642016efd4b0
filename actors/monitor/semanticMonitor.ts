import type { Bead } from '../../beads/index.ts';
import type { CheckDetail } from '../../machines/heartbeat.ts';
import { deadSubscriptions, type MarketHours } from '../../projections/healthTicks.ts';
import {
  DEFAULT_SEMANTIC_THRESHOLDS,
  emptySemanticView,
  foldSemantic,
  type SemanticThresholds,
  type SemanticView,
  scaleThresholds,
  semanticFindings,
} from '../../projections/semanticChecks.ts';
import type { EventLog, LogPosition, Subscription } from '../../store/port.ts';
import type { TickTracker } from './tickTracker.ts';

/** A market-data feed silent this long in market hours is dead; FX majors tick many times a second. */
export const DEFAULT_TICK_DEAD_MS = 2 * 60_000;

export interface SemanticMonitorOptions {
  /** When the host started: reconciliation is not due before a full window has passed. */
  startedAt: number;
  timeScale?: number;
  thresholds?: Partial<SemanticThresholds>;
  ticks?: TickTracker;
  tickDeadMs?: number;
  /** `always` for mock mode and the simulator, which tick at weekends too. */
  marketHours?: MarketHours;
  /** The view kept by the host's projection engine (issue 15); absent, the monitor keeps its own, fed by apply or follow. */
  view?: () => SemanticView;
}

/**
 * The semantic checks as the heartbeat reads them: the S6.1 projection, kept
 * current by the host feeding it every bead it sees, plus the tick tracker.
 * A check is O(open orders + open positions + subscriptions), whatever the
 * length of the log.
 */
export class SemanticMonitor {
  private readonly own: SemanticView = emptySemanticView();
  private readonly thresholds: SemanticThresholds;
  private readonly tickDeadMs: number;

  constructor(private readonly options: SemanticMonitorOptions) {
    const scale = options.timeScale ?? 1;
    this.thresholds = scaleThresholds({ ...DEFAULT_SEMANTIC_THRESHOLDS, ...options.thresholds }, scale);
    this.tickDeadMs = (options.tickDeadMs ?? DEFAULT_TICK_DEAD_MS) * scale;
  }

  get view(): SemanticView {
    return this.options.view ? this.options.view() : this.own;
  }

  apply(bead: Bead): void {
    foldSemantic(this.view, bead);
  }

  findings(now: number): CheckDetail[] {
    const found = semanticFindings(this.view, { now, startedAt: this.options.startedAt, thresholds: this.thresholds });
    if (this.options.ticks) {
      found.push(...deadSubscriptions(this.options.ticks.statuses(), { now, deadAfterMs: this.tickDeadMs, hours: this.options.marketHours ?? 'fx' }));
    }
    return found;
  }

  /**
   * Keeps the projection current from the log, for a host that has no shared
   * subscription to hand it beads. Unreadable records are skipped: they are
   * reported by replay, and a check must not die on them.
   */
  follow(log: EventLog, after?: LogPosition, onCaughtUp?: () => void): Subscription {
    return log.subscribe(
      (entry) => {
        if (entry.kind === 'bead') this.apply(entry.bead);
      },
      { ...(after === undefined ? {} : { after }), ...(onCaughtUp ? { onCaughtUp } : {}) },
    );
  }
}
