/**
 * Issue 15: every fold the host keeps holds bounded state. Ended approvals,
 * old closes, finished orders and used tokens live in the log, not in
 * memory: twice as long a log leaves each fold's state (as its
 * checkpoint would store it) the same size.
 */
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { registerFlowFolds } from '../../actors/flow/flowViews.ts';
import { benchBead } from '../../bench/beadMix.ts';
import { brokerFactsFold, dashboardFold, semanticFold, standingOn } from '../../projections/hostFolds.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { ProjectionEngine } from '../../runtime/projectionEngine.ts';
import type { EventLog, LogEntry } from '../../store/port.ts';
/** PHOENIX_SLOW=1: npm run test:slow. */
const SLOW = process.env.PHOENIX_SLOW === '1';

/** A log of `total` beads of B2's desk mix, made as they are read: only the folds hold memory. */
function generatedLog(total: number): EventLog {
  return {
    name: 'memory',
    readAll: () => ({
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < total; i++) {
          const bead = benchBead(i);
          yield { kind: 'bead', position: i + 1, stream: bead.stream, revision: 0, bead } satisfies LogEntry;
        }
      },
    }),
  } as unknown as EventLog;
}

async function foldSizes(total: number): Promise<Record<string, number>> {
  const engine = new ProjectionEngine({ log: generatedLog(total), logger: silentLogger, clock: new ManualClock() });
  const dashboard = engine.fold(dashboardFold());
  const standing = standingOn(engine, { gapMs: 35_000, windowMs: 3_600_000 });
  const semantic = engine.fold(semanticFold);
  const facts = engine.fold(brokerFactsFold);
  const flow = registerFlowFolds(engine);
  await engine.catchUp();
  const s = standing();
  const states = { dashboard: dashboard.state, gates: s.gates, ops: s.ops, promotion: s.promotionBeads, semantic: semantic.state, facts: facts.state, positions: flow.positions(), workingOrders: flow.workingOrders(), signals: flow.signals(), book: flow.book().toSaved(), restart: flow.restart() };
  return Object.fromEntries(Object.entries(states).map(([name, state]) => [name, serialize(state).length]));
}

/** Long enough that every count-bounded set (execution ids, decisions) is full in both: `npm test` folds 0.75M beads, test:slow 3M. */
const SHORT = SLOW ? 1_000_000 : 250_000;

describe('bounded folds (issue 15)', () => {
  it('a log twice as long leaves every fold of the host the same size', async () => {
    const short = await foldSizes(SHORT);
    const long = await foldSizes(SHORT * 2);
    for (const name of Object.keys(short)) {
      // A few bytes more for larger counters and longer ids (exec-999999 to exec-1999999: a byte an id), nothing that grows with the log.
      expect(long[name], `${name}: ${short[name]} bytes after ${SHORT} beads, ${long[name]} after ${SHORT * 2}`).toBeLessThanOrEqual(short[name]! * 1.1 + 256);
    }
  }, 600_000);
});
