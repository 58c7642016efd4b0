import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { stampAt, T0 } from '../machines/support.ts';
import { paperRoundTrip } from '../support/paperRoundTrip.ts';
import { runCli } from './commandIo.ts';

const hostStarted = (at: number) =>
  stampAt({ bead_type: 'HOST', stream: 'host-test-host', correlation_id: `run-${at}`, data: { event: 'STARTED', version: '0.1.0', config_hash: 'c', pid: 7 } }, at);

describe('phoenix gates', () => {
  let home: string;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'phoenix-gates-'));
    const log = new SqliteEventLog(defaultLogPath(home));
    // Three paper round trips across two host runs: P1-2 and P1-3.
    const story = [hostStarted(T0), ...paperRoundTrip('a', T0 + 10), ...paperRoundTrip('b', T0 + 20), hostStarted(T0 + 100), ...paperRoundTrip('c', T0 + 110)];
    for (const b of story) await log.append(b.stream, [b]);
    await log.close();
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('prints every gate with its status and evidence, computed from the log', async () => {
    const t = await runCli(['gates'], { PHOENIX_HOME: home });
    expect(t.code).toBe(0);
    const out = t.stdout;
    expect(out).toMatch(/^P1-1 {2}IBKR_PAPER_CONNECTED +NOT_MET/m);
    expect(out).toMatch(/^P1-2 {2}PAPER_ROUND_TRIP +MET +position a: SUBMITTED → FILLED → CLOSED on paper/m);
    expect(out).toMatch(/^P1-3 {2}PAPER_VOLUME +MET +3\/3 positions CLOSED on paper across 2\/2 host sessions/m);
    expect(out).toMatch(/^P1-5 {2}RUNBOOKS_COMPLETE +NOT_MET +.*; no RB-004 drill recorded/m);
    expect(out).toMatch(/^P1-7 {2}UX_VALIDATED +NOT_MET +no operator confirmation yet/m);
    expect(out).not.toMatch(/NOT_COMPUTED|PENDING|\bPASS\b/);
    expect(out).toMatch(/evidence: [0-9a-f]{8}-/);
    expect(out).toContain('Live may not start');
  });

  it('--json gives the same for tools', async () => {
    const t = await runCli(['gates', '--json'], { PHOENIX_HOME: home });
    expect(t.code).toBe(0);
    const doc = JSON.parse(t.stdout) as { gates: { id: string; status: string; evidence: string[] }[]; live_may_start: boolean };
    expect(doc.gates.map((g) => `${g.id} ${g.status}`)).toEqual([
      'P1-1 NOT_MET',
      'P1-2 MET',
      'P1-3 MET',
      'P1-4 NOT_MET',
      'P1-5 NOT_MET',
      'P1-6 NOT_MET',
      'P1-7 NOT_MET',
      'P1-8 NOT_MET',
    ]);
    expect(doc.gates.find((g) => g.id === 'P1-3')?.evidence).toHaveLength(3);
    expect(doc.live_may_start).toBe(false);
  });

  it('reads the runbooks folder it is given and names what is missing', async () => {
    const dir = join(home, 'runbooks');
    mkdirSync(dir);
    writeFileSync(join(dir, 'RB-004_EMERGENCY_HALT.md'), '---\nid: RB-004\ntitle: Emergency halt\n---\n# RB-004\n');
    const t = await runCli(['gates', '--runbooks', dir], { PHOENIX_HOME: home });
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^P1-5 {2}RUNBOOKS_COMPLETE +NOT_MET +missing RB-001, RB-002, RB-003, RB-005/m);
  });

  it('confirm-ux refuses while no paper approval flow is in the log, and records nothing', async () => {
    expect((await runCli(['gates', 'confirm-ux'], { PHOENIX_HOME: home })).stderr).toMatch(/--note "TEXT" is required/);
    const t = await runCli(['gates', 'confirm-ux', '--note', 'looks fine', '--as', 'alice'], { PHOENIX_HOME: home });
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/no paper approval flow in the log to confirm/);
    const log = new SqliteEventLog(defaultLogPath(home), { readonly: true });
    const types: string[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead') types.push(e.bead.bead_type);
    await log.close();
    expect(types).not.toContain('UX_CONFIRMATION');
  });

  it('confirm-ux records the confirmation with the timed flows, writes UX_VALIDATION_LOG.md, and P1-7 is MET', async () => {
    const log = new SqliteEventLog(defaultLogPath(home));
    const approval = (id: string, event: 'RECEIVED' | 'CONSUMED', at: number) =>
      stampAt({ bead_type: 'APPROVAL', stream: `approval-${id}`, correlation_id: id, data: { intent_id: id, event, ...(event === 'CONSUMED' ? { reason: '' } : {}) } }, at);
    for (const [id, ms] of [['ux-1', 9_000], ['ux-2', 14_500], ['ux-3', 6_000]] as const) {
      await log.append(`approval-${id}`, [approval(id, 'RECEIVED', T0 + 1_000), approval(id, 'CONSUMED', T0 + 1_000 + ms)]);
    }
    await log.close();
    const t = await runCli(['gates', 'confirm-ux', '--note', 'approved three from the phone; evidence readable', '--as', 'alice'], { PHOENIX_HOME: home });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/UX confirmation recorded by cli:alice/);
    expect(t.stdout).toMatch(/P1-7 UX_VALIDATED MET: confirmed by cli:alice; 3 paper approval flows: median 9\.0 s, slowest 14\.5 s \(ux-2\)/);
    const report = readFileSync(join(home, 'reports', 'UX_VALIDATION_LOG.md'), 'utf8');
    expect(report).toContain('> approved three from the phone; evidence readable');
    expect(report).toMatch(/\| 2 \| `ux-2` \| .* \| 14\.5 s \| yes \|/);
    const gates = await runCli(['gates', '--json'], { PHOENIX_HOME: home });
    const doc = JSON.parse(gates.stdout) as { gates: { id: string; status: string }[] };
    expect(doc.gates.find((g) => g.id === 'P1-7')?.status).toBe('MET');
  });
});

describe('phoenix replay --stream position-<id>', () => {
  let home: string;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'phoenix-replay-pos-'));
    const log = new SqliteEventLog(defaultLogPath(home));
    for (const b of paperRoundTrip('a', T0)) await log.append(b.stream, [b]);
    await log.close();
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('prints the whole story of the position, its autopsy, and the state the position machine replays to', async () => {
    const t = await runCli(['replay', '--stream', 'position-a'], { PHOENIX_HOME: home });
    expect(t.code).toBe(0);
    const lines = t.stdout.trim().split('\n');
    const story = [/POSITION\s+position-a\s+a SUBMITTED LONG/, /a SUBMITTED → FILLED/, /a FILLED → MANAGED/, /a MANAGED → CLOSED LONG 20000 EURUSD P&L 118\.00/];
    for (const [i, step] of story.entries()) expect(lines[i]).toMatch(step);
    expect(lines).toContainEqual(expect.stringMatching(/AUTOPSY\s+position-a\s+a TARGET P&L 118\.00 USD R 1\.90/));
    expect(lines).toContainEqual('== position position-a: CLOSED by TARGET: LONG EURUSD 20000 @ 1.0851 → 1.091, P&L 118.00 USD');
  });
});
