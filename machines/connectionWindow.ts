/**
 * IB Gateway's daily maintenance window (S3.1): `IBKR_MAINTENANCE_WINDOW`,
 * e.g. `23:45-00:45 America/New_York`. The gateway restarts itself once a day
 * (and IB resets its servers), so a loss inside the window is expected. Pure:
 * the time zone arithmetic is the runtime's Intl, no clock is read here.
 */

export interface MaintenanceWindow {
  /** The window as configured, normalised: `HH:MM-HH:MM Zone`. */
  text: string;
  /** Minutes after local midnight; `end` before `start` means the window spans midnight. */
  startMin: number;
  endMin: number;
  /** An IANA time zone name (or UTC). */
  zone: string;
}

export type WindowParse = { ok: true; window: MaintenanceWindow } | { ok: false; reason: string };

const FORM = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s+(\S+)\s*$/;
export const WINDOW_FORM = 'HH:MM-HH:MM Zone, e.g. 23:45-00:45 America/New_York';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter for a zone, made once: Intl builds them slowly. Throws RangeError for a zone it does not know. */
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function parseMaintenanceWindow(text: string): WindowParse {
  const m = FORM.exec(text);
  if (!m) return { ok: false, reason: `must be ${WINDOW_FORM}` };
  const [sh, sm, eh, em] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (sh > 23 || eh > 23 || sm > 59 || em > 59) return { ok: false, reason: `${text.trim()}: hours run 00-23 and minutes 00-59` };
  const startMin = sh * 60 + sm;
  const endMin = eh * 60 + em;
  if (startMin === endMin) return { ok: false, reason: `${text.trim()}: the window starts and ends at the same time` };
  const zone = m[5]!;
  let canonical: string;
  try {
    canonical = formatterFor(zone).resolvedOptions().timeZone;
  } catch {
    return { ok: false, reason: `unknown time zone ${JSON.stringify(zone)}: use an IANA name such as America/New_York, Europe/Zurich or UTC` };
  }
  const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
  return { ok: true, window: { text: `${hhmm(startMin)}-${hhmm(endMin)} ${canonical}`, startMin, endMin, zone: canonical } };
}

/** The wall clock in the zone at `at`, as if it were UTC: its difference from `at` is the zone's offset then. */
function wallClockMs(at: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) + (at % 1000);
}

const DAY_MS = 86_400_000;

/**
 * When the window that `at` falls in ends (epoch ms); undefined when `at` is
 * outside it. On a night the clocks change, the end is found again after
 * the change, so it is the window's end on the local clock.
 */
export function maintenanceEndAfter(window: MaintenanceWindow | undefined | null, at: number): number | undefined {
  if (!window) return undefined;
  const wall = wallClockMs(at, window.zone);
  const sinceMidnight = ((wall % DAY_MS) + DAY_MS) % DAY_MS;
  const start = window.startMin * 60_000;
  const end = window.endMin * 60_000;
  const inside = start < end ? sinceMidnight >= start && sinceMidnight < end : sinceMidnight >= start || sinceMidnight < end;
  if (!inside) return undefined;
  const naive = at + ((end - sinceMidnight + DAY_MS) % DAY_MS);
  // A change of offset between now and the end (a DST night) moves the local end by that much.
  const shift = wall - at - (wallClockMs(naive, window.zone) - naive);
  return naive + shift;
}
