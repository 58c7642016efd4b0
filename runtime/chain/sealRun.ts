import type { ChainFinding } from './verdicts.ts';
import { RUN_HASH } from './seal.ts';

/**
 * The rows a seal's run covers (issue 17, B1): on a log whose commit is one
 * run of positions (SQLite), a seal lists its commit's beads as the hashes
 * of the rows right after it, in order, with no ids: a third of the bytes of
 * "<bead_id> <hash>" lines, which a batch of a thousand beads writes once
 * more in the seal. A reader in global order checks each of those rows by
 * its position; a position of the run it never sees was deleted.
 */
export class SealRun {
  private run?: { host: string; seq: number; from: number; count: number; next: number; hashes: string };

  constructor(private readonly missing: (finding: ChainFinding) => void) {}

  start(host: string, seq: number, sealAt: number, hashes: string): void {
    if (hashes.length < RUN_HASH) return;
    this.run = { host, seq, from: sealAt + 1, count: Math.floor(hashes.length / RUN_HASH), next: sealAt + 1, hashes };
  }

  /** The hash the run gives the row at `position`, if the run covers it; rows of the run passed over were deleted. */
  at(position: number, report: boolean): { hash: string; host: string } | undefined {
    const run = this.run;
    if (!run || position < run.from) return undefined;
    if (position >= run.from + run.count) {
      this.end(position, report);
      return undefined;
    }
    this.passedOver(run.next, position, report);
    run.next = position + 1;
    const i = position - run.from;
    return { hash: run.hashes.slice(i * RUN_HASH, (i + 1) * RUN_HASH), host: run.host };
  }

  /** The run is over (a later row, a seal, the end of the read): each of its positions not seen is a row deleted. */
  end(before: number, report: boolean): void {
    const run = this.run;
    if (!run) return;
    this.passedOver(run.next, Math.min(before, run.from + run.count), report);
    this.run = undefined;
  }

  private passedOver(from: number, to: number, report: boolean): void {
    const run = this.run;
    if (!run || !report) return;
    for (let p = from; p < to; p++) {
      this.missing({ kind: 'MISSING', position: p, stream: `chain-${run.host}`, revision: -1, why: `the row at position ${p}, sealed by seal ${run.seq} of ${run.host} with its commit, is not in the log after it: deleted` });
    }
  }
}
