import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import {
  alertsWanted,
  type CheckDetail,
  type CheckedEvent,
  degradedKey,
  healthOf,
  heartbeatMachine,
  type HeartbeatEmitted,
  statusOf,
} from '../../machines/heartbeat.ts';
import { HeartbeatReplayer, replayHeartbeat } from '../../machines/heartbeatReplay.ts';
import { comparableSnapshot } from './heartbeatSnapshot.ts';
import { alertsIn, deadSubscription, INPUT, MIN, stampedBeads, staleOrder, T0 } from './heartbeatFixtures.ts';

/**
 * Model-based test (fast-check `fc.commands` + `fc.modelRun`). The model is
 * the machine's pure transition (the replayer, virtual timers and all); the
 * real system is a live actor on XState's simulated clock. After every
 * command both must agree, and the invariants must hold. On failure fast-check
 * prints the seed and path; FC_SEED replays one.
 */

interface Model {
  pure: HeartbeatReplayer;
  now: number;
  /** Start of the current DEGRADED spell, and whether it has been escalated. */
  spell: { since: number; escalations: number } | undefined;
}

interface Real {
  clock: SimulatedClock;
  emitted: HeartbeatEmitted[];
  actor: ReturnType<typeof createActor<typeof heartbeatMachine>>;
}

const ESCALATE_MS = INPUT.escalateAfterMs!;

function agree(m: Model, r: Real): void {
  expect(comparableSnapshot(r.actor.getSnapshot())).toEqual(comparableSnapshot(m.pure.current));
  expect(r.emitted).toEqual(m.pure.emitted);
}

/** Escalation bookkeeping from the outside: a spell of DEGRADED that lasts the delay escalates exactly once. */
function checkEscalations(m: Model, before: number): void {
  const newAlerts = alertsIn(m.pure.emitted.slice(before));
  const escalations = newAlerts.filter((a) => a.severity === 'CRITICAL');
  if (m.spell) {
    m.spell.escalations += escalations.length;
    const due = m.now - m.spell.since >= ESCALATE_MS;
    expect(m.spell.escalations).toBe(due ? 1 : 0);
  } else {
    expect(escalations).toHaveLength(0);
  }
}

class Wait implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const before = m.pure.emitted.length;
    m.now += this.ms;
    m.pure.advanceTo(m.now);
    r.clock.set(m.now);
    checkEscalations(m, before);
    agree(m, r);
  }
  toString = () => `Wait(${this.ms})`;
}

class Check implements fc.Command<Model, Real> {
  constructor(
    readonly afterMs: number,
    readonly result: Pick<CheckedEvent, 'processAlive' | 'ibkrConnected' | 'details'>,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const waited = m.pure.emitted.length;
    m.now += this.afterMs;
    m.pure.advanceTo(m.now);
    r.clock.set(m.now);
    // A timer due by the time of this check fires before it, within the spell that was running.
    checkEscalations(m, waited);
    const before = m.pure.emitted.length;
    const event: CheckedEvent = { type: 'CHECKED', at: m.now, ...this.result };
    const wasDegraded = m.pure.current.matches('DEGRADED');
    m.pure.send(event);
    r.actor.send(event);
    agree(m, r);

    const status = statusOf(event);
    const snapshot = m.pure.current;
    // INV-OPS-HEARTBEAT-SEMANTIC-1: semantic findings on a live host are DEGRADED, never HEALTHY.
    if (this.result.processAlive && this.result.ibkrConnected && this.result.details.length > 0) expect(healthOf(snapshot)).toBe('DEGRADED');
    expect(healthOf(snapshot)).toBe(status);
    const beads = m.pure.emitted.slice(before).filter((e) => e.type === 'bead');
    expect(beads).toHaveLength(1);
    expect(beads[0]!.draft.bead_type === 'HEARTBEAT' && beads[0]!.draft.data.status).toBe(status);
    // Alerts follow the facts: what fires is exactly what this check calls for.
    expect(Object.keys(snapshot.context.firing).sort()).toEqual(Object.keys(alertsWanted(INPUT.hostId, event)).sort());
    if (status !== 'DEGRADED') m.spell = undefined;
    else if (!wasDegraded) m.spell = { since: m.now, escalations: 0 };
    if (m.spell === undefined) expect(Object.keys(snapshot.context.firing)).not.toContain(`${degradedKey(INPUT.hostId)}#escalated`);
  }
  toString = () => `Check(+${this.afterMs}, ${JSON.stringify(this.result)})`;
}

const semanticFinding: fc.Arbitrary<CheckDetail> = fc.oneof(
  fc.constantFrom('ord-1', 'ord-2').map(staleOrder),
  fc.constantFrom('EURUSD', 'GBPUSD').map(deadSubscription),
  fc.constant({ check: 'reconciliation_fresh', message: 'last reconciliation 11 min ago' }),
  fc.constant({ check: 'fills_updating', subject: 'pos-1', message: 'position pos-1 PARTIAL, last fill 12 min ago' }),
);

const result = fc.record({
  // Mostly up: the interesting behaviour is in the semantic findings.
  processAlive: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  ibkrConnected: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  details: fc.uniqueArray(semanticFinding, { maxLength: 3, selector: (d) => `${d.check}:${d.subject ?? ''}` }),
});

const commands = fc.commands(
  [
    fc.tuple(fc.integer({ min: 0, max: 3 * MIN }), result).map(([ms, r]) => new Check(ms, r)),
    fc.integer({ min: 1, max: 4 * MIN }).map((ms) => new Wait(ms)),
  ],
  { maxCommands: 40 },
);

describe('heartbeat machine, model-based', () => {
  it('the live actor matches the pure transition; health, escalation and alerts follow the checks; replay of its beads rebuilds it', () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    fc.assert(
      fc.property(commands, (cmds) => {
        const clock = new SimulatedClock();
        clock.set(T0);
        const emitted: HeartbeatEmitted[] = [];
        const actor = createActor(heartbeatMachine, { input: INPUT, clock });
        actor.on('*', (e) => emitted.push(e));
        actor.start();
        const model: Model = { pure: new HeartbeatReplayer(INPUT), now: T0, spell: undefined };
        fc.modelRun(() => ({ model, real: { clock, emitted, actor } }), cmds);
        const replayed = replayHeartbeat(stampedBeads(emitted), INPUT, model.now);
        expect(comparableSnapshot(replayed.snapshot)).toEqual(comparableSnapshot(actor.getSnapshot()));
        actor.stop();
      }),
      { seed, numRuns: 200, verbose: 1 },
    );
  });
});
