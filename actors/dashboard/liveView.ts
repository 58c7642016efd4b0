import { type DashboardModel, withGates } from '../../projections/dashboardModel.ts';
import { equityCurve, type MarksDocument, withLive } from '../../projections/dashboardLive.ts';
import { dashboardView } from '../../projections/dashboardView.ts';
import type { HostTelemetry } from './hostTelemetry.ts';
import type { MarketView } from './market.ts';
import { type ReadableView, withReadableEvidence } from './readableEvidence.ts';

/** The equity curve the page charts: realised steps from the log, then samples of realised + unrealised taken as prices moved. */
export interface EquityView {
  /** The account's currency, in which every point is; null until the broker said it. */
  currency: string | null;
  points: { t: number; realised: number; equity: number }[];
  /** Quote currencies left out: no rate to the account's currency yet. */
  missing: string[];
}

/** What the page, /api/dashboard, SSE and /metrics all read. */
export type PageView = ReadableView & { equity: EquityView };

/** Samples of the equity kept for the chart: an hour at one a second at most. */
const SAMPLES_KEPT = 3_600;
const SAMPLE_EVERY_MS = 1_000;

export interface ViewSources {
  model: () => DashboardModel;
  gates: () => Parameters<typeof withGates>[1] | undefined;
  caughtUp: () => boolean;
  now: () => number;
  market: () => MarketView;
  telemetry: HostTelemetry;
}

/**
 * Builds the view on demand (a few times a second at most): the log's fold,
 * the gates, the host's live marks and check times, the readable evidence,
 * and the equity curve. Samples of the equity are taken here, as views are
 * built while prices move, and kept in memory only.
 */
export function viewComposer(s: ViewSources): { view(): PageView; marks(): MarksDocument } {
  const readable = withReadableEvidence();
  const samples: EquityView['points'] = [];
  return {
    view() {
      const now = s.now();
      const gates = s.gates();
      const model = gates ? withGates(s.model(), gates) : s.model();
      const market = s.market();
      const quotes = market.quotes();
      const live = withLive(dashboardView(model, now, s.caughtUp()), { quotes, accountCurrency: market.accountCurrency(), checkMs: s.telemetry.checkMs });
      const curve = equityCurve(live.positions, quotes, now);
      const last = curve.points.at(-1);
      if (last && live.positions.marks_at !== null && live.positions.open.length > 0 && (samples.at(-1)?.t ?? 0) <= now - SAMPLE_EVERY_MS) {
        samples.push(last);
        if (samples.length > SAMPLES_KEPT) samples.shift();
      }
      // Closes before the first sample, then the samples: one line through time.
      const firstSample = samples[0]?.t ?? Number.POSITIVE_INFINITY;
      const points = [...curve.points.slice(0, -1).filter((p) => p.t < firstSample), ...samples.filter((p) => p.t < now), ...(last ? [last] : [])];
      return { ...readable(live), equity: { currency: curve.currency, points, missing: curve.missing } };
    },
    marks() {
      const market = s.market();
      return { generated_at: new Date(s.now()).toISOString(), account_currency: market.accountCurrency(), quotes: market.quotes() };
    },
  };
}
