import { GENESIS, type SealBead } from './seal.ts';

/**
 * Why a seal does not follow the last seal its reader saw of its host, if
 * it does not (the full audit's check, checker.ts): the seals between were
 * removed, or one was replaced. Seals a later one retracts (their commit
 * failed on a log that is not all-or-nothing) may be missing, and a marked
 * restart names no seal before it.
 */
export function brokenLink(seal: SealBead, last: { lastSeq?: number | undefined; lastMac?: string | undefined }): string | undefined {
  const d = seal.data;
  const host = seal.host_id;
  const retracted = new Set(d.retracts ?? []);
  const expected = last.lastSeq === undefined ? undefined : last.lastSeq + 1;
  let skipsRetracted = expected !== undefined && d.seq > expected;
  for (let s = expected ?? 0; skipsRetracted && s < d.seq; s++) skipsRetracted = retracted.has(s);
  if (last.lastSeq === undefined ? d.prev !== GENESIS && d.seq !== 0 : d.seq !== expected && !skipsRetracted) {
    return `seal ${d.seq} of ${host} follows seal ${last.lastSeq ?? 'none'}: the seals between were removed`;
  }
  if (last.lastMac !== undefined && d.prev !== last.lastMac && !skipsRetracted && !d.prev.startsWith('RESTART')) {
    return `seal ${d.seq} of ${host} does not name seal ${last.lastSeq} before it: a seal was replaced`;
  }
  return undefined;
}
