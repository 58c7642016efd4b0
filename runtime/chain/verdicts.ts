/** What a reader of a host's chain makes of each row (issue 17): the vocabulary of checker.ts and its readers. */

import type { LogEntry } from '../../store/port.ts';
import type { RowAt } from './awaiting.ts';

export type FindingKind = 'EDITED' | 'UNSEALED' | 'FORGED_SEAL' | 'MISSING' | 'BROKEN_LINK' | 'UNREADABLE';

export interface ChainFinding {
  kind: FindingKind;
  position: number;
  stream: string;
  revision: number;
  beadId?: string;
  beadType?: string;
  why: string;
}

/**
 * SEALED: proven; FOREIGN: another process's word, or a bead no seal
 * proves that is not a host's fact; BROKEN: a finding; AWAIT: a host's fact
 * whose seal is not in view yet (a reader holds it back); SKIPPED: not a
 * type this reader checks; LOOKUP: a host's fact the reader must look up
 * (its seal came before the reader started).
 */
export type Verdict = 'SEALED' | 'FOREIGN' | 'BROKEN' | 'AWAIT' | 'SKIPPED' | 'LOOKUP';

/** A bead that was waiting, now settled by a seal (or by the end of the read). */
export interface Settled {
  beadId: string;
  verdict: Exclude<Verdict, 'AWAIT'>;
  finding?: ChainFinding;
  /** Whether the reader held it back (AWAIT), so must hand it on now. */
  held: boolean;
}

export interface CheckResult {
  verdict: Verdict;
  finding?: ChainFinding;
  /** A seal settles the beads it lists that came before it, and its host's others still waiting. */
  settled?: Settled[];
}

/** The verdicts that carry nothing else, shared: a long read returns one per bead, and no reader writes to them. */
export const FOREIGN: CheckResult = Object.freeze({ verdict: 'FOREIGN' });
export const SKIPPED: CheckResult = Object.freeze({ verdict: 'SKIPPED' });
export const SEALED: CheckResult = Object.freeze({ verdict: 'SEALED' });
export const AWAIT: CheckResult = Object.freeze({ verdict: 'AWAIT' });

export const rowAt = (entry: LogEntry, bead: { bead_id: string; bead_type: string }): RowAt => ({ position: entry.position, stream: entry.stream, revision: entry.revision, beadId: bead.bead_id, beadType: bead.bead_type });

export const edited = (at: RowAt, host: string): ChainFinding => ({ kind: 'EDITED', ...at, why: `${at.beadType} bead ${at.beadId} differs from what host ${host} sealed: the row was edited` });
