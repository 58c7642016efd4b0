import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Bead } from '../../beads/index.ts';
import type { CommitOpener, EventLog } from '../../store/port.ts';

/**
 * What the host measures that no bead records: how long an append takes and
 * how long a heartbeat check takes from its start to its bead stored. The
 * rest of /metrics is derived from the beads the dashboard follows; these two
 * are timings of this process, so they live here; a scrape adds Node's own
 * process metrics (RSS, heap, event-loop lag, GC) from processRegistry().
 */

/** Beats whose check time is kept for the heartbeat chart: as many as the dashboard shows. */
const CHECKS_KEPT = 240;

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

let processMetrics: Registry | undefined;

/**
 * Node's process metrics, collected once per process whatever the number of
 * registries that show them: each collection keeps an event-loop sampler and
 * a GC observer running for good, and a test process starts many dashboards.
 */
export function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
    // Gauges named *_total break Prometheus' naming rule (promtool check metrics fails on them);
    // each is the sum of its by-type sibling, which stays.
    for (const name of LINT_FAILING_DEFAULTS) processMetrics.removeSingleMetric(name);
  }
  return processMetrics;
}

/** One scrape: the process's metrics and the given registry's, in the text format. */
export function scrape(registry: Registry): Promise<string> {
  return Registry.merge([processRegistry(), registry]).metrics();
}

export class HostTelemetry {
  readonly registry = new Registry();
  private readonly appendSeconds: Histogram<'log' | 'kind'>;
  private readonly checkSeconds: Histogram;
  /** Check durations by the beat's ts (its check's start), newest last. */
  readonly checkMs = new Map<string, number>();

  constructor() {
    processRegistry();
    this.appendSeconds = new Histogram({
      name: 'phoenix_append_duration_seconds',
      help: 'Time for the event log to make an append durable, as this host waited for it.',
      labelNames: ['log', 'kind'],
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
    this.checkSeconds = new Histogram({
      name: 'phoenix_heartbeat_check_duration_seconds',
      help: "A heartbeat check from its start to its HEARTBEAT bead stored (the probes, the machine, the append).",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [this.registry],
    });
  }

  /** The same log, with every append timed. Everything else passes through untouched. */
  timedLog(log: EventLog): EventLog {
    const time = async <T>(kind: 'single' | 'many', work: () => Promise<T>): Promise<T> => {
      const end = this.appendSeconds.startTimer({ log: log.name, kind });
      try {
        return await work();
      } finally {
        end();
      }
    };
    const timed = Object.create(log) as EventLog;
    Object.assign(timed, {
      append: (stream: string, beads: Parameters<EventLog['append']>[1], expected?: Parameters<EventLog['append']>[2]) => time('single', () => log.append(stream, beads, expected)),
      appendMany: (appends: Parameters<EventLog['appendMany']>[0]) => time('many', () => log.appendMany(appends)),
      // Set even when absent: inherited, it would time nothing.
      appendOpened: log.appendOpened ? (appends: Parameters<EventLog['appendMany']>[0], opener: CommitOpener) => time('many', () => log.appendOpened!(appends, opener)) : undefined,
      readStream: log.readStream.bind(log),
      readAll: log.readAll.bind(log),
      subscribe: log.subscribe.bind(log),
      close: log.close.bind(log),
    });
    return timed;
  }

  /** A HEARTBEAT bead is stored: its ts is when its check started. */
  heartbeatStored(bead: Bead, nowMs: number): void {
    const ms = Math.max(0, nowMs - Date.parse(bead.ts));
    this.checkSeconds.observe(ms / 1000);
    this.checkMs.set(bead.ts, Math.round(ms * 10) / 10);
    if (this.checkMs.size > CHECKS_KEPT) this.checkMs.delete(this.checkMs.keys().next().value as string);
  }
}
