import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import type { Bead } from '../../beads/index.ts';
import { ConnectionGapFold, HeartbeatGapFold } from '../../projections/gaps.ts';
import { AlertHistoryFold, DriftHistoryFold, PositionHistoryFold, ScarFold } from '../../projections/healthAudit.ts';
import {
  alertsText,
  connectionGapsText,
  driftText,
  heartbeatGapsText,
  positionsText,
  type ReportWindow,
  scarsText,
} from '../../projections/healthReport.ts';
import { type Command, EXIT, parseCommandArgs, UsageError, writeError, writeLine } from '../command.ts';
import { openLogToRead } from '../readLog.ts';

/** One audit question: its window when none is given, and the fold that answers it. */
interface Query {
  summary: string;
  defaultWindow: { hours: number } | { days: number };
  answer(ctx: { host: string; window: ReportWindow; allowedMs: number }): { apply(bead: Bead): void; result(now: number): { json: unknown; text: string[] } };
}

const QUERIES = {
  'heartbeat-gaps': {
    summary: 'silences longer than interval + jitter in the host’s heartbeat, with the watchdog’s misses',
    defaultWindow: { hours: 24 },
    answer({ host, window, allowedMs }) {
      const fold = new HeartbeatGapFold(host, { fromMs: window.from, allowedMs });
      return { apply: (b) => fold.apply(b), result: (now) => ({ json: fold.result(now), text: heartbeatGapsText(fold.result(now), window) }) };
    },
  },
  'connection-gaps': {
    summary: 'IB sessions lost: each DISCONNECT to the CONNECT that ended it, with the attempts made',
    defaultWindow: { days: 7 },
    answer({ host, window }) {
      const fold = new ConnectionGapFold(host, window.from);
      return { apply: (b) => fold.apply(b), result: (now) => ({ json: fold.result(now), text: connectionGapsText(fold.result(now), window) }) };
    },
  },
  alerts: {
    summary: 'alerts raised and resolved, with severity, runbook and what became of the delivery',
    defaultWindow: { hours: 24 },
    answer({ window }) {
      const fold = new AlertHistoryFold(window.from);
      return { apply: (b) => fold.apply(b), result: () => ({ json: { alerts: fold.result() }, text: alertsText(fold.result(), window) }) };
    },
  },
  drift: {
    summary: 'reconciliation runs: MATCH or DRIFT, and the drifted items',
    defaultWindow: { days: 7 },
    answer({ window }) {
      const fold = new DriftHistoryFold(window.from);
      return { apply: (b) => fold.apply(b), result: () => ({ json: { reconciliations: fold.result() }, text: driftText(fold.result(), window) }) };
    },
  },
  positions: {
    summary: 'positions and the states each went through',
    defaultWindow: { days: 7 },
    answer({ window }) {
      const fold = new PositionHistoryFold(window.from);
      return { apply: (b) => fold.apply(b), result: () => ({ json: { positions: fold.result() }, text: positionsText(fold.result(), window) }) };
    },
  },
  scars: {
    summary: 'bunny scars: chaos vectors that failed, in any run (a revalidation sweep names the change it ran under)',
    defaultWindow: { days: 30 },
    answer({ window }) {
      const fold = new ScarFold(window.from);
      return { apply: (b) => fold.apply(b), result: () => ({ json: { scars: fold.result() }, text: scarsText(fold.result(), window) }) };
    },
  },
} satisfies Record<string, Query>;

export type QueryName = keyof typeof QUERIES;
export const QUERY_NAMES = Object.keys(QUERIES) as QueryName[];

const HOUR = 3_600_000;
const MAX_HOURS = 24 * 3660;

function parseAmount(flag: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`${flag} must be a positive number, e.g. ${flag} 24 (got ${JSON.stringify(text)})`);
  const n = Number(text);
  if (n <= 0) throw new UsageError(`${flag} must be more than 0 (got ${text})`);
  if ((flag === '--days' ? n * 24 : n) > MAX_HOURS) throw new UsageError(`${flag} ${text} reaches back more than ten years`);
  return n;
}

function windowOf(values: { hours?: string; days?: string }, query: Query, now: number): ReportWindow {
  if (values.hours !== undefined && values.days !== undefined) throw new UsageError('give --hours or --days, not both');
  const asked =
    values.hours !== undefined ? { hours: parseAmount('--hours', values.hours) } : values.days !== undefined ? { days: parseAmount('--days', values.days) } : query.defaultWindow;
  const hours = 'hours' in asked ? asked.hours : asked.days * 24;
  const label = 'hours' in asked ? `${asked.hours} h` : `${asked.days} day${asked.days === 1 ? '' : 's'}`;
  return { from: now - hours * HOUR, to: now, label };
}

const HELP = `Usage: phoenix query <question> [--hours N | --days N] [--host ID] [--json]

Answers audit questions from the log (S6.4). Read-only: safe beside a running
host. Each question has a default window; --hours or --days sets another.

Questions:
${QUERY_NAMES.map((n) => `  ${n.padEnd(16)} ${QUERIES[n].summary} (default: last ${'hours' in QUERIES[n].defaultWindow ? `${(QUERIES[n].defaultWindow as { hours: number }).hours} h` : `${(QUERIES[n].defaultWindow as { days: number }).days} days`})`).join('\n')}

Options:
  --hours N    look back N hours
  --days N     look back N days
  --host ID    the host (heartbeat-gaps, connection-gaps); default PHOENIX_HOST_ID
  --json       one JSON document instead of text, for tools

A heartbeat gap is a silence longer than HEARTBEAT_INTERVAL_S +
HEARTBEAT_JITTER_S (times TIME_SCALE).

Examples:
  phoenix query heartbeat-gaps --hours 24
  phoenix query connection-gaps --days 7
  phoenix query alerts --hours 6 --json`;

export const queryCommand: Command = {
  name: 'query',
  summary: 'audit answers from the log: heartbeat-gaps, connection-gaps, alerts, drift, positions, scars',
  help: HELP,
  readOnly: true,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { hours: { type: 'string' }, days: { type: 'string' }, host: { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    const [name, ...extra] = positionals;
    if (name === undefined) throw new UsageError(`name a question: ${QUERY_NAMES.join(', ')}`);
    if (!(QUERY_NAMES as string[]).includes(name)) throw new UsageError(`unknown question ${JSON.stringify(name)}; the questions are ${QUERY_NAMES.join(', ')}`);
    if (extra.length > 0) throw new UsageError(`unexpected ${JSON.stringify(extra.join(' '))} after ${name}`);
    const query: Query = QUERIES[name as QueryName];
    const now = systemClock.now();
    const window = windowOf(values, query, now);
    const config = loadConfig(io.env, io.cwd);
    const host = values.host ?? config.PHOENIX_HOST_ID;
    const allowedMs = (config.HEARTBEAT_INTERVAL_S + config.HEARTBEAT_JITTER_S) * 1000 * config.TIME_SCALE;
    const answer = query.answer({ host, window, allowedMs });
    const log = await openLogToRead(config);
    let unreadable = 0;
    try {
      for await (const entry of log.readAll()) {
        if (entry.kind === 'bead') answer.apply(entry.bead);
        else unreadable += 1;
      }
    } finally {
      await log.close();
    }
    const { json, text } = answer.result(now);
    if (values.json) {
      writeLine(io.stdout, JSON.stringify({ query: name, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), ...(json as object) }));
    } else {
      for (const line of text) writeLine(io.stdout, line);
    }
    if (unreadable > 0) writeError(io, `phoenix query: ${unreadable} unreadable records were skipped (phoenix replay shows them)`);
    return EXIT.ok;
  },
};
