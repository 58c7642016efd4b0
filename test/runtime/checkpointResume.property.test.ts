/**
 * Issue 15, done-when 1: a checkpoint is a cache, never the truth (S2). For
 * random logs and random checkpoint positions, a host's folds resumed from a
 * checkpoint end in exactly the state a replay from scratch gives; and a
 * checkpoint that is corrupt, torn, from another fold version, from another
 * build, or ahead of the log falls back to the full replay of what it cannot
 * give, with the same state. Every fold the host keeps is in it: the
 * dashboard, the standing (gates, ops, promotion), the semantic checks, the
 * broker's facts, the flow's views, order book and restart notes, and the
 * alerts the host still owes.
 */
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registerFlowFolds } from '../../actors/flow/flowViews.ts';
import type { Bead } from '../../beads/index.ts';
import { benchBeads } from '../../bench/beadMix.ts';
import { alertOutboxFold, brokerFactsFold, dashboardFold, semanticFold, standingOn } from '../../projections/hostFolds.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { createLogger } from '../../runtime/logger.ts';
import { type Checkpoint, type CheckpointStore, decode, encode } from '../../runtime/projectionCheckpoint.ts';
import { ProjectionEngine } from '../../runtime/projectionEngine.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { seededPaperHistory } from '../../tools/bunny/liveSeed.ts';

const KEY = Buffer.alloc(32, 7);
const corpus: Bead[] = [...seededPaperHistory(Date.parse('2026-11-24T10:00:00.000Z'), { promotionWindowMs: 3_600_000 }), ...benchBeads(0, 300)];

/** The checkpoint as bytes in memory, through the same encoding (and MAC) as the file. */
function memoryCheckpoints(): CheckpointStore & { bytes: Buffer | undefined } {
  const store = {
    where: 'memory',
    bytes: undefined as Buffer | undefined,
    async load() {
      return store.bytes === undefined ? { ok: false as const, missing: true as const, why: 'none' } : decode(store.bytes, KEY);
    },
    async save(c: Checkpoint) {
      store.bytes = encode(c, KEY);
    },
  };
  return store;
}

/** The log's reasons for a full replay, for the assertions. */
function recordingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'info', format: 'json', destination });
  return { logger, lines };
}

/** Every fold the host keeps, on one engine; answers their states now. */
function hostFoldsOn(engine: ProjectionEngine, gapMs: number) {
  const dashboard = engine.fold(dashboardFold({ heartbeatGapMs: gapMs }));
  const standing = standingOn(engine, { gapMs, windowMs: 3_600_000 });
  const semantic = engine.fold(semanticFold);
  const facts = engine.fold(brokerFactsFold);
  const flow = registerFlowFolds(engine);
  const owed = engine.fold(alertOutboxFold('phoenix-1'));
  return () => ({
    owedAlerts: owed.state,
    dashboard: dashboard.state,
    standing: standing(),
    semantic: semantic.state,
    facts: facts.state,
    positions: flow.positions(),
    workingOrders: flow.workingOrders(),
    signals: flow.signals(),
    book: flow.book().toSaved(),
    restart: flow.restart(),
  });
}

async function logOf(beads: readonly Bead[]): Promise<MemoryEventLog> {
  const log = new MemoryEventLog();
  for (const b of beads) await log.append(b.stream, [b]);
  return log;
}

async function foldedState(log: MemoryEventLog, store: CheckpointStore | undefined, o: { gapMs: number; codeVersion?: string; logger?: ReturnType<typeof recordingLogger>['logger'] }) {
  const { logger } = o.logger ? { logger: o.logger } : recordingLogger();
  const engine = new ProjectionEngine({ log, logger, clock: new ManualClock(), codeVersion: o.codeVersion ?? 'v1', ...(store ? { checkpoints: store } : {}) });
  const state = hostFoldsOn(engine, o.gapMs);
  await engine.catchUp();
  await engine.stop();
  return state();
}

const DEFAULT_GAP = 35_000;
const logs = fc.subarray(corpus, { minLength: 1 }).chain((beads) => fc.record({ beads: fc.constant(beads), at: fc.integer({ min: 0, max: beads.length }) }));
const spoil = fc.constantFrom('none', 'flip-a-byte', 'truncate', 'fold-version', 'code-version', 'ahead-of-the-log');

describe('checkpoints are a cache (issue 15)', () => {
  it('a start resumed from a checkpoint at any position ends in the state of a replay from scratch; a spoiled checkpoint falls back to the replay', async () => {
    const seed = Number(process.env.PHOENIX_SEED ?? Date.now() % 2 ** 31);
    console.log(`checkpointResume property: seed ${seed} (PHOENIX_SEED=${seed} replays it)`);
    await fc.assert(
      fc.asyncProperty(logs, spoil, fc.nat(), async ({ beads, at }, how, where) => {
        const store = memoryCheckpoints();
        // A host ran on the log as it was at `at`, stopped cleanly and left its checkpoint; the log went on.
        const log = await logOf(how === 'ahead-of-the-log' ? beads : beads.slice(0, at));
        await foldedState(log, store, { gapMs: DEFAULT_GAP });
        let truth = log;
        if (how === 'ahead-of-the-log') {
          // The log the next host meets is shorter than the one the checkpoint saw (restored from an older backup).
          truth = await logOf(beads.slice(0, at));
        } else {
          for (const b of beads.slice(at)) await log.append(b.stream, [b]);
        }
        if (store.bytes && how === 'flip-a-byte') store.bytes[where % store.bytes.length]! ^= 0x41;
        if (store.bytes && how === 'truncate') store.bytes = store.bytes.subarray(0, where % store.bytes.length);
        const gapMs = how === 'fold-version' ? DEFAULT_GAP * 2 : DEFAULT_GAP;
        const codeVersion = how === 'code-version' ? 'v2' : 'v1';
        const recorded = recordingLogger();
        const resumed = await foldedState(truth, store, { gapMs, codeVersion, logger: recorded.logger });
        const replayed = await foldedState(truth, undefined, { gapMs, codeVersion });
        expect(resumed).toEqual(replayed);
        // A spoiled checkpoint that could not be used says why (a checkpoint of an empty log holds nothing to spoil).
        const spoiled = how === 'ahead-of-the-log' ? at < beads.length : how !== 'none' && at > 0;
        if (spoiled) expect(recorded.lines.join('')).toMatch(/reading the whole log|replayed from the start/);
      }),
      { seed, numRuns: Number(process.env.PHOENIX_RUNS ?? 60) },
    );
  }, 120_000);
});
