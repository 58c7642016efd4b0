/**
 * Issue 15 Done-when 3 with issue 17: the live gate the host judges from its
 * one read (runtime/chain/liveGateFold.ts, fed as the projection engine
 * feeds it: the host's ChainedLog read, checked types only, forged rows
 * handed over as corrupt) is the gate `liveGateOnChainedEvidence` judges with
 * a whole read of its own, on generated logs: a paper history sealed by its
 * host, beads slipped in under a sealing host's name, other processes' words,
 * a second host that goes paper late or never, blank execution ids, missed
 * heartbeats, and a checkpoint (save, clone, load) at a random place. The
 * seed is printed on failure (fast-check's report).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bead, stamp } from '../../beads/index.ts';
import { standingOptions } from '../../actors/promotion/promotionActor.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { HOST_VERIFIED_TYPES } from '../../runtime/chain/hostOnly.ts';
import { liveGateOnChainedEvidence } from '../../runtime/chain/liveGate.ts';
import { liveGateFold, liveGateNow, type LiveGateFoldState } from '../../runtime/chain/liveGateFold.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { seededPaperHistory } from '../../tools/bunny/liveSeed.ts';

const KEY = randomBytes(32);
const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const PAPER = 'bunny-paper-history';
const OTHER = 'desk-b';
const windowMs = standingOptions(loadConfig({ PHOENIX_HOME: '/nonexistent-home', PHOENIX_ENV_FILE: '/nonexistent/.env' }, '/')).windowMs;
const inputs = { runbooks: { expected: ['RB-001'], present: ['RB-001'] } };

type Fate = 'sealed' | 'slipped' | 'foreign' | 'dropped';
interface Step {
  fate: Fate;
  /** Written by the second host (its own chain) instead. */
  other: boolean;
  /** A change to the bead's data that may untie it (a blank exec id, a LIVE account, a missed beat). */
  spoil: boolean;
  flush: boolean;
}

const step = fc.record({
  fate: fc.constantFrom<Fate>('sealed', 'sealed', 'sealed', 'sealed', 'sealed', 'slipped', 'foreign', 'dropped'),
  other: fc.boolean(),
  spoil: fc.nat(9).map((n) => n === 0),
  flush: fc.nat(4).map((n) => n === 0),
});

function spoiled(bead: Bead): Bead {
  const data = structuredClone(bead.data) as Record<string, unknown>;
  if (bead.bead_type === 'FILL') data.exec_id = ' ';
  else if (bead.bead_type === 'IBKR_SESSION') data.account = 'U7654321';
  else if (bead.bead_type === 'HEARTBEAT') data.status = 'MISSED';
  else if (bead.bead_type === 'POSITION') return { ...bead, mode: 'LIVE' } as Bead;
  else return bead;
  return { ...bead, data } as Bead;
}

function rehosted(bead: Bead, host: string, fresh: boolean): Bead {
  const stream = bead.stream.replace(PAPER, host);
  return stamp({ bead_type: bead.bead_type, stream, correlation_id: bead.correlation_id, data: bead.data } as never, { bead_id: fresh ? uuidV7Ids.next() : bead.bead_id, ts: bead.ts, host_id: host, mode: bead.mode });
}

async function writeLog(history: readonly Bead[], steps: readonly Step[]): Promise<MemoryEventLog> {
  const raw = new MemoryEventLog();
  const chains = new Map<string, ChainedLog>();
  const chainOf = async (host: string) => {
    let chain = chains.get(host);
    if (!chain) {
      chain = await ChainedLog.open(raw, { key: KEY, hostId: host, mode: 'PAPER', clock: { now: () => NOW } });
      chains.set(host, chain);
    }
    return chain;
  };
  for (let i = 0; i < history.length; i++) {
    const s = steps[i % steps.length]!;
    let bead = s.spoil ? spoiled(history[i]!) : history[i]!;
    if (s.other) bead = rehosted(bead, OTHER, false);
    if (s.fate === 'dropped') continue;
    if (s.fate === 'sealed') await (await chainOf(bead.host_id)).append(bead.stream, [bead]);
    // Slipped in under the (sealing) host's name, with no seal; or another process's word under a name no chain has.
    else {
      const written = rehosted(bead, s.fate === 'slipped' ? bead.host_id : 'phoenix-cli', true);
      await raw.append(written.stream, [written]);
    }
    if (s.flush) await (await chainOf(bead.host_id)).flush();
  }
  // Mostly sealed to the end; sometimes a crash's unsealed tail.
  if (steps[0]!.flush || steps.length % 3 !== 0) for (const chain of chains.values()) await chain.flush();
  return raw;
}

/** As the host's projection engine feeds its folds: the host's ChainedLog read, a checkpoint saved and loaded at `cut`. */
async function foldedAsTheHost(raw: MemoryEventLog, reader: string, cut: number): Promise<LiveGateFoldState> {
  const log = await ChainedLog.open(raw, { key: KEY, hostId: reader, mode: 'LIVE', clock: { now: () => NOW }, verifyTypes: HOST_VERIFIED_TYPES });
  let fold = liveGateFold(KEY);
  let state = fold.init();
  let i = 0;
  for await (const entry of log.readAll()) {
    if (i++ === cut) {
      const saved = structuredClone(fold.save!(state));
      fold = liveGateFold(KEY);
      state = fold.load!(saved);
    }
    state = entry.kind === 'bead' ? fold.apply(state, entry.bead, entry.position) : fold.corrupt!(state, entry.position, entry.reason);
  }
  return state;
}

describe('the live gate from the host’s one read judges as liveGateOnChainedEvidence', () => {
  it('on generated logs, with forged, foreign, dropped and untied beads and a checkpoint anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.constantFrom(PAPER, OTHER, 'live-host'),
        fc.nat(200),
        async (steps, decided, reader, cut) => {
          const history = seededPaperHistory(NOW, { promotionWindowMs: windowMs, decided });
          const raw = await writeLog(history, steps);
          const whole = await liveGateOnChainedEvidence(raw, KEY, inputs, { windowMs });
          const folded = liveGateNow(await foldedAsTheHost(raw, reader, cut), inputs, { windowMs });
          expect(folded.live).toEqual(whole.live);
          expect(folded.promotion).toEqual(whole.promotion);
          expect(folded.gates.map((g) => [g.id, g.status])).toEqual(whole.gates.map((g) => [g.id, g.status]));
          expect(folded.holds).toBe(whole.holds);
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);

  it('on the sealed paper history as the seed leaves it: the gate open, the same as a whole read', async () => {
    const history = seededPaperHistory(NOW, { promotionWindowMs: windowMs });
    const raw = await writeLog(history, [{ fate: 'sealed', other: false, spoil: false, flush: false }]);
    const whole = await liveGateOnChainedEvidence(raw, KEY, inputs, { windowMs });
    const folded = liveGateNow(await foldedAsTheHost(raw, 'live-host', -1), inputs, { windowMs });
    expect(whole.live?.open).toBe(true);
    expect(folded.live).toEqual(whole.live);
  });
});
