import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAlertType, runbookPath } from '../../actors/notify/alertTypes.ts';
import { PARAMETER_COMPONENTS } from '../../machines/promotionSweeps.ts';
import { BUNNY_VECTORS } from '../../projections/gates.ts';
import { Judge, Missing } from '../../tools/bunny/judge.ts';
import { renderReport } from '../../tools/bunny/report.ts';
import type { VectorResult } from '../../tools/bunny/runner.ts';
import { select, SWEEPS, VECTORS, WAVES } from '../../tools/bunny/suite.ts';
import { ProcessFailure } from '../../tools/bunny/toolProcess.ts';
import { COMPONENTS } from '../../tools/bunny/vector.ts';
import { runCli } from '../tools/commandIo.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The bunny suite's shape (S10, S3.6): what it runs, in which order, what a sweep takes, and how a verdict reads. */
describe('the bunny suite', () => {
  it('holds the 15 seed vectors then the 7 further faults, wave by wave, each with its runbook on disk', () => {
    expect(VECTORS).toHaveLength(22);
    expect(VECTORS.slice(0, 15).map((v) => v.id)).toEqual(BUNNY_VECTORS);
    expect(VECTORS.slice(15).every((v) => v.id.startsWith('S10_') && v.wave === 4)).toBe(true);
    expect(VECTORS.map((v) => v.wave)).toEqual([...VECTORS.map((v) => v.wave)].sort((a, b) => a - b));
    for (const v of VECTORS) {
      expect(WAVES[v.wave], v.id).toBeDefined();
      expect(existsSync(`${ROOT}/${runbookPath(v.runbook)}`), `${v.id} → ${v.runbook}`).toBe(true);
      expect(v.inject.length && v.expect.length, v.id).toBeGreaterThan(0);
    }
    expect(new Set(VECTORS.map((v) => v.id)).size).toBe(22);
  });

  it('sweeps every component with at most 5 vectors that exist', () => {
    expect(Object.keys(SWEEPS).sort()).toEqual([...COMPONENTS].sort());
    for (const [component, ids] of Object.entries(SWEEPS)) {
      expect(ids.length, component).toBeGreaterThan(0);
      expect(ids.length, component).toBeLessThanOrEqual(5);
      for (const id of ids) expect(VECTORS.map((v) => v.id), `${component}: ${id}`).toContain(id);
    }
  });

  it('every vector declares the alerts its fault must raise and must not raise, from the classification table (Phase-2 ground truth)', () => {
    for (const v of VECTORS) {
      for (const t of [...v.alerts.raise, ...v.alerts.notRaise]) expect(isAlertType(t), `${v.id}: ${t}`).toBe(true);
      expect(v.alerts.raise.filter((t) => v.alerts.notRaise.includes(t)), v.id).toEqual([]);
      expect(v.alerts.raise.length + v.alerts.notRaise.length, v.id).toBeGreaterThan(0);
    }
  });

  it('no sweep runs CV_S33_15: the sweep of a parameter change never changes a parameter again (no sweep without end)', () => {
    for (const [component, ids] of Object.entries(SWEEPS)) expect(ids, component).not.toContain('CV_S33_15');
    for (const component of new Set(Object.values(PARAMETER_COMPONENTS))) expect(COMPONENTS).toContain(component);
  });

  it('selects a full run only with no --vector, --wave or --sweep; a union otherwise, in suite order', () => {
    expect(select({ vectors: [], waves: [], sweeps: [] })).toMatchObject({ scope: 'FULL', label: 'all 22 vectors' });
    const mixed = select({ vectors: ['S10_HALF_OPEN', 'CV_S33_2'], waves: [1], sweeps: [] });
    expect(mixed.scope).toBe('PARTIAL');
    expect(mixed.vectors.map((v) => v.id)).toEqual(['CV_S33_1', 'CV_S33_2', 'CV_S33_3', 'S10_HALF_OPEN']);
    const sweep = select({ vectors: [], waves: [], sweeps: ['broker'] });
    expect(sweep).toMatchObject({ scope: 'SWEEP', label: 'sweep broker' });
    expect(sweep.vectors.map((v) => v.id)).toEqual(SWEEPS.broker.filter((id) => VECTORS.some((v) => v.id === id)));
  });
});

describe('a verdict from evidence', () => {
  it('passes only with at least one check and every check held; whatever stopped it becomes the reason', () => {
    expect(new Judge().passed).toBe(false);
    const ok = new Judge();
    ok.check(true, 'DISCONNECT bead', 'bead b-1');
    expect([ok.passed, ok.summary]).toEqual([true, 'bead b-1']);
    const missing = new Judge();
    missing.check(true, 'DISCONNECT bead', 'bead b-1');
    missing.stopped(new Missing('no CRITICAL message at the Bot API stand-in within 8.0 s'));
    expect([missing.passed, missing.summary]).toEqual([false, 'missing: no CRITICAL message at the Bot API stand-in within 8.0 s']);
    const dead = new Judge();
    dead.stopped(new ProcessFailure('gateway-sim exited (1) before it was ready: port in use'));
    expect(dead.summary).toBe('could not run: gateway-sim exited (1) before it was ready: port in use');
    const wrong = new Judge();
    wrong.check(false, 'nothing sent', '3 placeOrder at the simulator');
    expect(wrong.observed).toBe('✗ nothing sent: 3 placeOrder at the simulator');
  });

  it('the report puts failures first, each with its runbook, its beads and where its scratch log was kept', () => {
    const result = (id: string, passed: boolean): VectorResult => {
      const judge = new Judge();
      judge.check(passed, `check of ${id}`, passed ? 'seen' : 'not seen');
      judge.cite({ bead_id: `bead-of-${id}` } as never);
      return { vector: VECTORS.find((v) => v.id === id)!, index: 0, passed, judge, startedAt: 0, durationMs: 1_234, ...(passed ? {} : { keptHome: `/desk/bunny/r/${id}` }) };
    };
    const run = { id: 'bunny-r', scope: 'PARTIAL' as const, codeVersion: '0.1.0+abc', configHash: 'cafe', settings: {} };
    const text = renderReport(run, [result('CV_S33_1', true), result('CV_S33_10', false)], { startedAt: 0, finishedAt: 5_000, selected: 2, interrupted: false });
    expect(text).toMatch(/\*\*1 of 2 vectors PASS\*\*/);
    expect(text).toMatch(/A partial run: it does not move gate P1-8/);
    expect(text.indexOf('### CV_S33_10')).toBeLessThan(text.indexOf('### CV_S33_1 '));
    expect(text).toMatch(/### CV_S33_10 — invalid order \(bad symbol\): FAIL[\s\S]*runbooks\/RB-012_ORDER_REJECTED\.md[\s\S]*Why it failed:\*\* check of CV_S33_10: not seen[\s\S]*`bead-of-CV_S33_10`[\s\S]*PHOENIX_HOME=\/desk\/bunny\/r\/CV_S33_10 phoenix replay/);
  });
});

describe('phoenix bunny refuses bad input with one clear line', () => {
  const refused = async (argv: string[]) => {
    const t = await runCli(['bunny', ...argv], { PHOENIX_HOME: '/nonexistent/bunny-home', PHOENIX_ENV_FILE: '/nonexistent/.env' });
    expect(t.code).toBe(2);
    expect(t.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    return t.stderr;
  };
  it('names what is wrong and what is allowed', async () => {
    expect(await refused(['--vector', 'CV_S33_99'])).toMatch(/unknown vector "CV_S33_99"; the vectors are CV_S33_1, /);
    expect(await refused(['--wave', '9'])).toMatch(/--wave must be one of 1, 2, 3, 4/);
    expect(await refused(['--sweep', 'kitchen'])).toMatch(/unknown component "kitchen"; the components are broker, monitor, notify, approval, flow, config/);
    expect(await refused(['--with', 'NOPE=1'])).toMatch(/--with NOPE: not a Phoenix setting/);
    expect(await refused(['--with', 'PHOENIX_HOME=/tmp'])).toMatch(/bunny sets it for each scratch desk itself/);
    expect(await refused(['CV_S33_1'])).toMatch(/name vectors with --vector ID/);
  });

  it('--list shows the vectors and the sweep table and runs nothing', async () => {
    const t = await runCli(['bunny', '--list'], { PHOENIX_HOME: '/nonexistent/bunny-home' });
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/CV_S33_1 +wave 1 +gateway killed mid-session/);
    expect(t.stdout).toMatch(/broker +CV_S33_1, CV_S33_2, CV_S33_3, S10_HALF_OPEN, S10_CLIENT_ID_IN_USE/);
  });
});
