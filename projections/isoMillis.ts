/**
 * Epoch milliseconds of a bead timestamp, with exactly Date.parse's answer.
 *
 * Folds read a bead's `ts` as a number on most beads, and Date.parse costs
 * about a quarter of a microsecond: on a million-bead replay (B2) that is a
 * large share of the whole per-bead budget. Stored timestamps always have one
 * shape (S1: `YYYY-MM-DDTHH:mm:ss.sssZ`), which reads in a few integer steps;
 * anything else, or any field out of range, goes to Date.parse itself.
 */
export function isoMillis(ts: string): number {
  // Several folds read the same bead's time, one after another.
  if (ts === last.ts) return last.ms;
  const ms = readIso(ts);
  last.ts = ts;
  last.ms = ms;
  return ms;
}

/** The latest answer: a cache of one, so the function stays pure to its callers. */
const last = { ts: '', ms: Number.NaN };

function readIso(ts: string): number {
  if (ts.length !== 24 || !hasBeadShape(ts)) return Date.parse(ts);
  const year = two(ts, 0) * 100 + two(ts, 2);
  const month = two(ts, 5);
  const day = two(ts, 8);
  const hour = two(ts, 11);
  const minute = two(ts, 14);
  const second = two(ts, 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return Date.parse(ts);
  }
  return ((daysSinceEpoch(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + two(ts, 20) * 10 + ts.charCodeAt(22) - 0x30;
}

/** Digits where digits belong, and `-`, `-`, `T`, `:`, `:`, `.`, `Z` between them: written out, as loops cost more than the parse. */
function hasBeadShape(ts: string): boolean {
  return (
    ts.charCodeAt(4) === 0x2d &&
    ts.charCodeAt(7) === 0x2d &&
    ts.charCodeAt(10) === 0x54 &&
    ts.charCodeAt(13) === 0x3a &&
    ts.charCodeAt(16) === 0x3a &&
    ts.charCodeAt(19) === 0x2e &&
    ts.charCodeAt(23) === 0x5a &&
    isDigit(ts, 0) && isDigit(ts, 1) && isDigit(ts, 2) && isDigit(ts, 3) &&
    isDigit(ts, 5) && isDigit(ts, 6) && isDigit(ts, 8) && isDigit(ts, 9) &&
    isDigit(ts, 11) && isDigit(ts, 12) && isDigit(ts, 14) && isDigit(ts, 15) &&
    isDigit(ts, 17) && isDigit(ts, 18) && isDigit(ts, 20) && isDigit(ts, 21) && isDigit(ts, 22)
  );
}

function isDigit(ts: string, i: number): boolean {
  const c = ts.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function two(ts: string, i: number): number {
  return (ts.charCodeAt(i) - 0x30) * 10 + ts.charCodeAt(i + 1) - 0x30;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). Linear in the day, so 2026-02-30 rolls over to March as
 * it does in V8's Date.parse.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
