import type { BeadOf } from '../beads/index.ts';

/**
 * P1-8 BUNNY_PHASE1_PASSES from BUNNY beads (S10, S11): MET only when the
 * latest FULL bunny run has all 15 seed vectors PASS. A partial run (one
 * vector, a wave, a sweep) never makes it MET and never unmakes it; its
 * FAILs are scars all the same (phoenix query scars).
 *
 * A BUNNY bead written before runs declared their scope counts as a full
 * run when its run holds all 15 seed vectors.
 */

export const BUNNY_VECTORS = Array.from({ length: 15 }, (_, i) => `CV_S33_${i + 1}`);

export interface BunnyRun {
  id: string;
  scope: 'FULL' | 'PARTIAL' | 'SWEEP' | undefined;
  results: Map<string, { result: 'PASS' | 'FAIL'; bead: string }>;
}

export interface BunnyRuns {
  /** The run being read now (beads of one run are written together). */
  current?: BunnyRun;
  /** The latest run before `current` that was full. */
  lastFull?: BunnyRun;
}

function isFull(run: BunnyRun): boolean {
  if (run.scope !== undefined) return run.scope === 'FULL';
  return BUNNY_VECTORS.every((v) => run.results.has(v));
}

export function foldBunny(s: BunnyRuns, bead: BeadOf<'BUNNY'>): void {
  const d = bead.data;
  if (s.current?.id !== d.run_id) {
    if (s.current && isFull(s.current)) s.lastFull = s.current;
    s.current = { id: d.run_id, scope: d.run_scope, results: new Map() };
  }
  s.current.results.set(d.vector_id, { result: d.result, bead: bead.bead_id });
}

/** The run P1-8 is judged on, if any. */
export function latestFullRun(s: BunnyRuns): BunnyRun | undefined {
  return s.current && isFull(s.current) ? s.current : s.lastFull;
}

export interface BunnyVerdict {
  met: boolean;
  detail: string;
  evidence: string[];
  failing: boolean;
}

export function bunnyVerdict(s: BunnyRuns): BunnyVerdict {
  const run = latestFullRun(s);
  const partial = s.current && s.current !== run ? `; a later partial run ${s.current.id} does not count` : '';
  if (run === undefined) {
    const tried = s.current ? ` (only partial runs, latest ${s.current.id})` : '';
    return { met: false, detail: `no full bunny run recorded${tried}: run phoenix bunny with no --vector, --wave or --sweep`, evidence: [], failing: false };
  }
  const failed = BUNNY_VECTORS.filter((v) => run.results.get(v)?.result === 'FAIL');
  const missing = BUNNY_VECTORS.filter((v) => !run.results.has(v));
  const passed = BUNNY_VECTORS.length - failed.length - missing.length;
  const detail = `latest full run ${run.id}: ${passed}/${BUNNY_VECTORS.length} seed vectors PASS${failed.length ? `; FAIL ${failed.join(', ')}` : ''}${missing.length ? `; not run ${missing.join(', ')}` : ''}${partial}`;
  const evidence = BUNNY_VECTORS.flatMap((v) => {
    const r = run.results.get(v);
    return r ? [r.bead] : [];
  });
  return { met: passed === BUNNY_VECTORS.length, detail, evidence, failing: failed.length > 0 };
}
