import { streams } from '../../beads/index.ts';
import type { EventLog, LogEntry } from '../../store/port.ts';

/**
 * The alerts stream as the outbox's restore reads it at start (issue 15):
 * from the oldest alert this host still owes (the projection engine's
 * `alerts.unsettled` fold names its bead), and at least WINDOW_MS of
 * bead time back from the newest alert, so the dedupe, grouping and throttle
 * windows (the longest, the repeat interval, is 4 h) see every send they
 * would have. Every alert before that point is settled, so replaying the
 * tail gives the outbox the same queue and windows as replaying the whole
 * stream, which on a long log is tens of thousands of beads at every start.
 * A bead that is never found (refused, or gone) means the whole stream.
 *
 * In an alert storm the window is cut at MOST entries: a key whose last send
 * lies further back may be sent once more after a restart, which is better
 * than a start that reads the whole storm.
 */
export const WINDOW_MS = 5 * 3_600_000;
export const MOST = 2_000;
const PAGE = 500;

const tsOf = (e: LogEntry | undefined) => (e?.kind === 'bead' ? Date.parse(e.bead.ts) : Number.NaN);

export async function alertsTail(log: Pick<EventLog, 'readStream'>, oldestOwed: string | undefined, windowMs = WINDOW_MS): Promise<LogEntry[]> {
  const pages: LogEntry[][] = [];
  let found = oldestOwed === undefined;
  let newest = Number.NaN;
  let read = 0;
  let from: number | undefined;
  for (;;) {
    const page = await log.readStream(streams.alerts, { direction: 'backwards', limit: PAGE, ...(from === undefined ? {} : { from }) });
    if (page.length === 0) break;
    pages.push(page);
    read += page.length;
    if (Number.isNaN(newest)) newest = tsOf(page.find((e) => e.kind === 'bead'));
    if (!found) found = page.some((e) => e.kind === 'bead' && e.bead.bead_id === oldestOwed);
    const lowest = page[page.length - 1]!;
    // An unreadable entry has no time: read on past it.
    if (lowest.revision <= 0 || (found && (tsOf(lowest) < newest - windowMs || read >= MOST))) break;
    from = lowest.revision - 1;
  }
  return pages.flat().reverse();
}

/** The log as the outbox sees it: its start-up read of the whole alerts stream becomes the tail; everything else passes through. */
export function outboxLog(log: EventLog, oldestOwed: () => string | undefined): EventLog {
  const view = Object.create(log) as EventLog;
  view.readStream = (stream, options) => (stream === streams.alerts && options === undefined ? alertsTail(log, oldestOwed()) : log.readStream(stream, options));
  return view;
}
