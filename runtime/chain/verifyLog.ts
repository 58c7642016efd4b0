import type { EventLog, LogEntry } from '../../store/port.ts';
import { type ChainFinding, ChainChecker } from './checker.ts';

export interface VerifyReport {
  entries: number;
  /** Beads proven against a genuine seal (seals included). */
  sealed: number;
  seals: number;
  /** Beads other processes wrote under their own names: not the host's, so not sealed. */
  foreign: number;
  findings: ChainFinding[];
  /** Hosts whose chains were read. */
  hosts: string[];
  ms: number;
}

/**
 * The whole log against the hosts' chains, in global order (`phoenix replay
 * --verify`). Every finding names the row: its position, stream, revision
 * and bead; the first is where the log breaks.
 */
export async function verifyLog(log: Pick<EventLog, 'readAll'>, key: Buffer, options: { knownHosts?: readonly string[]; onEntry?: () => void } = {}): Promise<VerifyReport> {
  const started = performance.now();
  const checker = new ChainChecker(key, { strict: true, mark: false, ...(options.knownHosts ? { knownHosts: options.knownHosts } : {}) });
  let entries = 0;
  const hosts = new Set<string>(options.knownHosts ?? []);
  for await (const entry of log.readAll()) {
    entries += 1;
    if (entry.kind === 'bead' && entry.bead.bead_type === 'SEAL') hosts.add(entry.bead.host_id);
    checker.check(entry);
    options.onEntry?.();
  }
  checker.finish();
  const findings = checker.findings;
  return { entries, sealed: checker.counts.sealed + checker.counts.seals, seals: checker.counts.seals, foreign: checker.counts.foreign, findings, hosts: [...hosts], ms: performance.now() - started };
}

/** A stored row as the SQLite audit reads it: its text, never parsed unless it must be. */
export interface StoredText {
  position: number;
  stream: string;
  revision: number;
  beadId: string;
  beadType: string;
  json: string;
  /** The row's own seal (tag.ts), where it has one. */
  tag?: string | null;
}

/**
 * The same audit over the log's own rows (`phoenix replay --verify` on
 * SQLite): a sealed bead is checked by hashing its stored text, so a million
 * beads cost a read and a hash each, not a parse and a re-serialisation.
 */
export function verifyRows(rows: Iterable<StoredText>, key: Buffer, decode: (row: StoredText) => LogEntry): VerifyReport {
  const started = performance.now();
  const checker = new ChainChecker(key, { strict: true, mark: false });
  let entries = 0;
  const hosts = new Set<string>();
  for (const row of rows) {
    entries += 1;
    if (row.stream.startsWith('chain-')) hosts.add(row.stream.slice('chain-'.length));
    checker.checkText(row, () => decode(row));
  }
  checker.finish();
  const findings = checker.findings;
  return { entries, sealed: checker.counts.sealed + checker.counts.seals, seals: checker.counts.seals, foreign: checker.counts.foreign, findings, hosts: [...hosts], ms: performance.now() - started };
}
