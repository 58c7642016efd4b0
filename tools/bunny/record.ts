import { execFileSync } from 'node:child_process';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import { PHOENIX_VERSION } from '../../actors/host/version.ts';
import { type BeadOf, BunnyRecord, streams } from '../../beads/index.ts';
import type { VectorResult } from './runner.ts';
import { ROOT } from './toolProcess.ts';

/**
 * One BUNNY bead per vector in the desk's own log, appended like a CLI
 * decision (no lease needed): what was expected, what was observed, the
 * evidence, and which run, code and configuration it speaks for.
 */

export interface RunInfo {
  id: string;
  scope: 'FULL' | 'PARTIAL' | 'SWEEP';
  codeVersion: string;
  configHash: string;
  settings: Record<string, string>;
  /** A revalidation sweep a host started: the PROMOTION bead that asked for it. */
  triggeredBy?: string;
}

/** The package version and, in a git checkout, the commit (with -dirty for uncommitted changes). */
export function codeVersion(): string {
  try {
    const described = execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
    return described ? `${PHOENIX_VERSION}+${described}` : PHOENIX_VERSION;
  } catch {
    return PHOENIX_VERSION;
  }
}

export async function recordVerdict(writer: BeadWriter, run: RunInfo, r: VectorResult): Promise<BeadOf<'BUNNY'>> {
  const j = r.judge;
  const data = BunnyRecord.parse({
    run_id: run.id,
    vector_id: r.vector.id,
    result: r.passed ? 'PASS' : 'FAIL',
    evidence: j.summary.slice(0, 4_000),
    wave: r.vector.wave,
    run_scope: run.scope,
    expected: r.vector.expect,
    observed: j.observed.slice(0, 8_000),
    details: { beads: j.beads, counts: j.counts, timings_ms: j.timings },
    duration_ms: r.durationMs,
    code_version: run.codeVersion,
    config_hash: run.configHash,
    ...(r.keptHome ? { scratch_home: r.keptHome } : {}),
    ...(Object.keys(run.settings).length ? { settings: run.settings } : {}),
    ...(run.triggeredBy ? { triggered_by: run.triggeredBy } : {}),
    ...(r.alerts ? { alerts: r.alerts } : {}),
  });
  const { beads } = await writer.write({ bead_type: 'BUNNY', stream: streams.bunny, correlation_id: run.id, data });
  return beads[0] as BeadOf<'BUNNY'>;
}
