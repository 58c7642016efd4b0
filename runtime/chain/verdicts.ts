/** What a reader of a host's chain makes of each row (issue 17): the vocabulary of checker.ts and its readers. */

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
