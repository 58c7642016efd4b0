import { describeSweep, windowServedAt } from '../../machines/promotion.ts';
import { describeSpan } from '../../machines/promotionBeads.ts';
import type { Standing } from '../../projections/deskStanding.ts';
import type { Phase2Result } from '../../projections/gatesPhase2.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { paintFor } from '../terminal.ts';

/** `phoenix promote --status` and `phoenix gates --phase 2`: the desk's standing in words and as JSON. */

type Paint = ReturnType<typeof paintFor>;
const iso = (ms: number) => new Date(ms).toISOString();

/** A Phase-2 figure as people read it: a percentage, seconds, or a count. */
export function figure(r: Phase2Result): string {
  if (r.value === null) return '—';
  if (r.id === 'P2-4') return `${(r.value / 1000).toFixed(1)} s`;
  if (r.id === 'P2-1') return String(r.value);
  return `${(r.value * 100).toFixed(1)}%`;
}

export function phase2Lines(s: Standing, paint: Paint): string[] {
  const head = `Phase 2 ops quality over ${iso(s.window.from)} → ${iso(s.window.to)} (the last ${describeSpan(s.window.to - s.window.from)}):`;
  const rows = s.phase2.flatMap((r) => {
    const word = r.status.padEnd(8);
    const line = `  ${r.id}  ${r.name.padEnd(16)} ${r.status === 'MET' ? paint.good(word) : paint.bad(word)} ${figure(r).padStart(7)} (${r.threshold})  ${r.detail}`;
    return r.evidence.length === 0 ? [line] : [line, `${' '.repeat(8)}evidence: ${r.evidence.slice(0, 6).join(', ')}${r.evidence.length > 6 ? `, … (${r.evidence.length})` : ''}`];
  });
  return [head, ...rows];
}

export function standingLines(s: Standing, config: Pick<Config, 'PROMOTION_WINDOW_DAYS' | 'TIME_SCALE'>, paint: Paint): string[] {
  const p = s.promotion;
  const c = p.snapshot.context;
  const served = windowServedAt(c);
  const phase1 = s.facts.phase1;
  const lines = [
    `Promotion: ${paint.strong(p.state)} — ${p.description}`,
    `Validation window: ${describeSpan(c.windowMs)} (PROMOTION_WINDOW_DAYS=${config.PROMOTION_WINDOW_DAYS}, TIME_SCALE ${config.TIME_SCALE})${c.windowFrom === null ? '' : `, from ${iso(c.windowFrom)}, served ${served !== null && served <= s.window.to ? 'at' : 'from'} ${iso(served ?? 0)}`}`,
    `Revalidation: ${describeSweep(c.sweep)}${c.lastChange ? `; last parameter change ${c.lastChange.key} at ${iso(c.lastChange.at)} (${c.lastChange.beadId})` : ''}`,
    `Bunny: ${c.lastFailure ? `last FAIL ${c.lastFailure.vectorId} in ${c.lastFailure.runId} at ${iso(c.lastFailure.at)}` : 'no FAIL on record'}`,
    phase1.met ? `Phase 1 (paper): ${paint.good('MET')} (P1-1…P1-6, P1-8)` : `Phase 1 (paper): ${paint.bad('NOT_MET')}`,
    ...phase1.missing.map((m) => `  missing: ${m}`),
    ...phase2Lines(s, paint),
    s.live.open
      ? `Live gate: ${paint.good('OPEN')}: phoenix run in live mode may start`
      : `Live gate: ${paint.bad('SHUT')}: it needs ${[...(phase1.met ? [] : ['the phase-1 gates (above)']), ...(p.state === 'LIVE_ACTIVE' ? [] : [`promotion at LIVE_ACTIVE (it is ${p.state})`])].join(' and ')}`,
    `Next: ${nextStep(s)}`,
  ];
  if (p.anomalies.length > 0) lines.push(`${p.anomalies.length} promotion bead(s) did not fit the machine: ${p.anomalies.slice(0, 3).join('; ')}`);
  return lines;
}

function nextStep(s: Standing): string {
  const c = s.promotion.snapshot.context;
  switch (s.promotion.state) {
    case 'SHADOW':
      return s.facts.phase1.met ? 'the phase-1 gates hold: a running host records PAPER_VALIDATED and opens the validation window (phoenix run)' : 'make the phase-1 gates hold on paper (phoenix gates)';
    case 'PAPER_VALIDATED': {
      const served = windowServedAt(c) ?? 0;
      const wait = served > s.window.to ? `the window is served at ${iso(served)}; ` : '';
      const owed = s.facts.ops.met ? '' : 'the ops quality must hold (above); ';
      return `${wait}${owed}${describeSweep(c.sweep)}`;
    }
    case 'LIVE_ELIGIBLE':
      return 'a person decides: phoenix promote --live --reason TEXT';
    case 'LIVE_ACTIVE':
      return s.live.open ? 'nothing: the desk may run live' : 'the phase-1 gates must hold again (above)';
  }
}

export function standingJson(s: Standing, config: Pick<Config, 'PROMOTION_WINDOW_DAYS' | 'TIME_SCALE'>) {
  const c = s.promotion.snapshot.context;
  return {
    promotion: {
      state: s.promotion.state,
      description: s.promotion.description,
      window_ms: c.windowMs,
      window_days: config.PROMOTION_WINDOW_DAYS,
      time_scale: config.TIME_SCALE,
      window_from: c.windowFrom === null ? null : iso(c.windowFrom),
      window_served_at: windowServedAt(c) === null ? null : iso(windowServedAt(c)!),
      sweep: c.sweep,
      last_change: c.lastChange,
      last_failure: c.lastFailure,
      decision: c.decision,
      anomalies: s.promotion.anomalies,
    },
    phase1: s.facts.phase1,
    phase2: { window: { from: iso(s.window.from), to: iso(s.window.to) }, met: s.facts.ops.met, gates: s.phase2 },
    live_gate: s.live,
  };
}
