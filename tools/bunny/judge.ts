import type { Bead } from '../../beads/index.ts';
import { ProcessFailure } from './toolProcess.ts';

/**
 * A vector's verdict, built only from evidence: each check says what was
 * expected and what the log, the simulator's /state or the Bot API
 * stand-in showed. The vector PASSES when it made at least one check and
 * every check held; anything missing is named in the reason.
 */

/** Evidence that never came: "no IBKR_SESSION DISCONNECT bead within 10.0 s". */
export class Missing extends Error {
  override readonly name = 'Missing';
}

/** A check that must hold for the vector to go on. */
export class CheckFailed extends Error {
  override readonly name = 'CheckFailed';
}

export interface Check {
  what: string;
  ok: boolean;
  observed: string;
}

export class Judge {
  readonly checks: Check[] = [];
  readonly beads: string[] = [];
  readonly counts: Record<string, number> = {};
  readonly timings: Record<string, number> = {};
  /** Why the vector could not finish: a missing piece of evidence, a process that would not start, a bug in bunny. */
  aborted?: string;

  /** Cites a bead (its id goes into the evidence) and hands it back. */
  cite<T extends Bead>(bead: T): T {
    if (!this.beads.includes(bead.bead_id)) this.beads.push(bead.bead_id);
    return bead;
  }

  count(name: string, n: number): number {
    this.counts[name] = n;
    return n;
  }

  time(name: string, ms: number): number {
    this.timings[name] = Math.max(0, Math.round(ms));
    return ms;
  }

  /** Records a check; the vector goes on either way. */
  check(ok: boolean, what: string, observed: string): boolean {
    this.checks.push({ what, ok, observed });
    return ok;
  }

  /** Records a check that the rest of the vector depends on: when it fails, the vector stops here. */
  require(ok: boolean, what: string, observed: string): void {
    if (!this.check(ok, what, observed)) throw new CheckFailed(`${what}: ${observed}`);
  }

  /** A step the vector stands on (a command that must work): recorded only when it fails, and then the vector stops. */
  ensure(ok: boolean, what: string, observed: string): void {
    if (!ok) this.require(false, what, observed);
  }

  /** Turns whatever stopped the vector into its reason. */
  stopped(err: unknown): void {
    if (err instanceof CheckFailed) return; // already a failed check
    if (err instanceof Missing) this.aborted = `missing: ${err.message}`;
    else if (err instanceof ProcessFailure) this.aborted = `could not run: ${err.message}`;
    else this.aborted = `bunny error: ${err instanceof Error ? err.message : String(err)}`;
  }

  get passed(): boolean {
    return this.aborted === undefined && this.checks.length > 0 && this.checks.every((c) => c.ok);
  }

  /** What was seen, check by check. */
  get observed(): string {
    const seen = this.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.what}: ${c.observed}`);
    return [...seen, ...(this.aborted ? [`✗ ${this.aborted}`] : [])].join('\n') || '(nothing observed)';
  }

  /** One line: the observed facts for a PASS, what was missing or wrong for a FAIL. */
  get summary(): string {
    if (this.passed) return this.checks.map((c) => c.observed).join('; ');
    const failed = this.checks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.observed}`);
    const why = [...failed, ...(this.aborted ? [this.aborted] : [])];
    return why.length > 0 ? why.join('; ') : 'no check was made';
  }
}
