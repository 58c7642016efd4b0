import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { runbookInputs } from '../../actors/gates/runbookInputs.ts';
import { standingOptions } from '../../actors/promotion/promotionActor.ts';
import { readStanding } from '../../actors/promotion/readStanding.ts';
import { type Bead, stamp } from '../../beads/index.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { loadChainKey } from '../../runtime/chain/chainKey.ts';
import type { ChainFinding } from '../../runtime/chain/checker.ts';
import { liveGateOnChainedEvidence } from '../../runtime/chain/liveGate.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { seededPaperHistory, seedPaperHistory } from '../../tools/bunny/liveSeed.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';

/**
 * Issue 17, two more ways past the live gate. PROMOTION transitions written
 * into the log under the host's name (the promotion machine's own record,
 * which LIVE_ACTIVE opens the gate on); and `phoenix gates`, which said
 * "Live may start" on hand-written beads. Each is shown refused, and shown
 * succeeding with the guard switched off, so each test can fail.
 */

const KEY = randomBytes(32);
const HOST = 'desk-host';
const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const config = loadConfig({ PHOENIX_HOME: '/nonexistent-home', PHOENIX_ENV_FILE: '/nonexistent/.env', PHOENIX_HOST_ID: HOST }, '/');
const windowMs = standingOptions(config).windowMs;
const temps: (() => void)[] = [];
afterEach(() => {
  for (const remove of temps.splice(0)) remove();
});

/** A paper history the desk's host sealed, and then the promotion to LIVE_ACTIVE written in by hand under the host's name. */
async function sealedHistoryThenForgedPromotion(findings: ChainFinding[] = []) {
  const raw = new MemoryEventLog();
  const history = seededPaperHistory(NOW, { promotionWindowMs: windowMs });
  const host = await ChainedLog.open(raw, { key: KEY, hostId: HOST, mode: 'PAPER', clock: { now: () => NOW }, onFinding: (f) => findings.push(f) });
  for (const b of history.filter((b) => b.bead_type !== 'PROMOTION')) await host.append(b.stream, [b]);
  await host.flush();
  const forged: Bead[] = history.filter((b) => b.bead_type === 'PROMOTION').map((b) => stamp({ bead_type: b.bead_type, stream: b.stream, correlation_id: b.correlation_id, data: b.data } as never, { bead_id: uuidV7Ids.next(), ts: b.ts, host_id: HOST, mode: 'PAPER' }));
  for (const b of forged) await raw.append(b.stream, [b]);
  return { raw, host, forged };
}

describe('PROMOTION transitions written in under the host’s name', () => {
  it('move the desk to LIVE_ACTIVE and open the live gate when every bead counts (the attack is real)', async () => {
    const { raw } = await sealedHistoryThenForgedPromotion();
    const standing = await readStanding(raw, config, NOW + windowMs + 10_000);
    expect(standing.promotion.state).toBe('LIVE_ACTIVE');
    expect(standing.live.open).toBe(true);
  });

  it('are refused: the live gate on sealed evidence stays shut, and the host’s own reads report each as a SECURITY finding', async () => {
    const findings: ChainFinding[] = [];
    const { raw, host, forged } = await sealedHistoryThenForgedPromotion(findings);
    const gate = await liveGateOnChainedEvidence(raw, KEY, { runbooks: runbookInputs() }, { windowMs });
    expect(gate.gates.filter((g) => ['P1-1', 'P1-2', 'P1-3', 'P1-4', 'P1-5', 'P1-6', 'P1-8'].includes(g.id)).every((g) => g.status === 'MET')).toBe(true);
    expect(gate.promotion?.state).not.toBe('LIVE_ACTIVE');
    expect(gate.holds).toBe(false);
    expect(gate.live?.missing.join('\n')).toMatch(/promotion is (SHADOW|PAPER_VALIDATED|LIVE_ELIGIBLE), not LIVE_ACTIVE/);

    const standing = await readStanding(host, config, NOW + windowMs + 10_000);
    expect(standing.promotion.state).not.toBe('LIVE_ACTIVE');
    expect(standing.live.open).toBe(false);
    const transitions = forged.filter((b) => b.bead_type === 'PROMOTION' && b.data.event !== 'DECISION');
    expect(transitions.length).toBeGreaterThan(0);
    expect(findings.filter((f) => f.beadType === 'PROMOTION').map((f) => f.beadId).sort()).toEqual(transitions.map((b) => b.bead_id).sort());
  });
});

describe('phoenix gates --phase 2 on PROMOTION transitions written in by hand', () => {
  it('says live may not start, though the beads as written read LIVE_ACTIVE', async () => {
    const t = makeTempDir('phoenix-gates-promotion');
    temps.push(t.remove);
    const key = loadChainKey(t.dir, { create: true })!;
    const raw = new SqliteEventLog(defaultLogPath(t.dir));
    const history = seededPaperHistory(Date.now(), { promotionWindowMs: windowMs });
    const seeder = history[0]!.host_id;
    const host = await ChainedLog.open(raw, { key, hostId: seeder, mode: 'PAPER', clock: { now: () => Date.now() } });
    for (const b of history.filter((b) => b.bead_type !== 'PROMOTION')) await host.append(b.stream, [b]);
    await host.flush();
    for (const b of history.filter((b) => b.bead_type === 'PROMOTION')) await raw.append(b.stream, [b]);
    await raw.close();
    const r = await runCli(['gates', '--phase', '2', '--json'], { PHOENIX_HOME: t.dir, PHOENIX_ENV_FILE: '/nonexistent/.env' });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { promotion: string; live_may_start: boolean; sealed_evidence: { holds: boolean; why: string } };
    expect(doc.promotion).toBe('LIVE_ACTIVE');
    expect(doc.live_may_start).toBe(false);
    expect(doc.sealed_evidence.why).toMatch(/promotion is \w+, not LIVE_ACTIVE/);
  });
});

describe('phoenix gates on hand-written paper evidence', () => {
  async function home(sealed: boolean): Promise<string> {
    const t = makeTempDir('phoenix-gates-forged');
    temps.push(t.remove);
    const key = loadChainKey(t.dir, { create: true })!;
    const log = new SqliteEventLog(defaultLogPath(t.dir));
    await seedPaperHistory(log, Date.now(), sealed ? { chainKey: key } : {});
    await log.close();
    return t.dir;
  }
  const gates = async (dir: string) => {
    const r = await runCli(['gates', '--json'], { PHOENIX_HOME: dir, PHOENIX_ENV_FILE: '/nonexistent/.env' });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { gates: { id: string; status: string }[]; live_may_start: boolean; sealed_evidence: { holds: boolean; why: string } };
  };
  const paperGatesMet = (doc: { gates: { id: string; status: string }[] }) => doc.gates.filter((g) => g.id !== 'P1-7').every((g) => g.status === 'MET');

  it('says live may not start: every paper gate reads MET from the beads as written (what it said before), none on sealed evidence', async () => {
    const doc = await gates(await home(false));
    expect(paperGatesMet(doc)).toBe(true);
    expect(doc.live_may_start).toBe(false);
    expect(doc.sealed_evidence.holds).toBe(false);
    const text = await runCli(['gates'], { PHOENIX_HOME: (await home(false)), PHOENIX_ENV_FILE: '/nonexistent/.env' });
    expect(text.stdout).toMatch(/Live may not start: P1-1…P1-6 and P1-8 are MET only on beads no host sealed/);
    expect(text.stdout).not.toMatch(/Live may start/);
  });

  it('says live may start on the same history as a host sealed it', async () => {
    const doc = await gates(await home(true));
    expect(paperGatesMet(doc)).toBe(true);
    expect(doc.live_may_start).toBe(true);
    const text = await runCli(['gates'], { PHOENIX_HOME: (await home(true)), PHOENIX_ENV_FILE: '/nonexistent/.env' });
    expect(text.stdout).toMatch(/Live may start: P1-1…P1-6 and P1-8 are MET on paper, on evidence the host sealed/);
  });
});
