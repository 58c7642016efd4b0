import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Actor, createActor, SimulatedClock } from 'xstate';
import type { Bead } from '../../beads/index.ts';
import {
  type ConnectionEmitted,
  type ConnectionEvent,
  type ConnectionInput,
  connectionMachine,
  MAX_RECONNECT_ATTEMPTS,
  RECONNECT_BACKOFF_MS,
} from '../../machines/connection.ts';
import { replayConnection } from '../../machines/connectionReplay.ts';
import { comparableSnapshot } from '../../machines/types.ts';
import { advance, beadsFrom, T0 } from './support.ts';
import { PureRun } from './virtualTimers.ts';

/**
 * Model-based: random sequences of socket events and elapsed time drive the
 * pure machine on a virtual timeline (the model) and a live actor on XState's
 * SimulatedClock (the real system). They must agree step by step, and the
 * S3.1 invariants must hold throughout.
 */
const SCALE = 0.001;
const INPUT: ConnectionInput = { host: 'h1', runId: 'run-1', mode: 'PAPER', account: 'DU1234567', port: 4002, timeScale: SCALE };

type Model = PureRun<typeof connectionMachine, ConnectionEmitted>;

class Real {
  readonly clock = new SimulatedClock();
  readonly actor: Actor<typeof connectionMachine>;
  readonly emitted: { at: number; event: ConnectionEmitted }[] = [];
  readonly beads: Bead[] = [];
  readonly replayMismatches: string[] = [];

  constructor() {
    this.clock.set(T0);
    this.actor = createActor(connectionMachine, { input: INPUT, clock: this.clock });
    this.actor.on('*', (event) => {
      this.emitted.push({ at: this.clock.now(), event });
      this.beads.push(...beadsFrom([event], this.clock.now()));
    });
    let replayedUpTo = 0;
    // Emits run before observers, so a snapshot that follows new beads is a bead boundary: replay must land on it.
    this.actor.subscribe((snapshot) => {
      if (this.beads.length === replayedUpTo) return;
      replayedUpTo = this.beads.length;
      const { snapshot: replayed, anomalies } = replayConnection(this.beads, { timeScale: SCALE });
      const live = JSON.stringify(comparableSnapshot(snapshot));
      const rebuilt = JSON.stringify(comparableSnapshot(replayed));
      if (anomalies.length > 0 || live !== rebuilt) this.replayMismatches.push(`live ${live}\nreplay ${rebuilt}\n${anomalies.join('\n')}`);
    });
    this.actor.start();
  }
}

function checkInvariants(model: Model, real: Real): void {
  expect(comparableSnapshot(real.actor.getSnapshot())).toEqual(comparableSnapshot(model.snapshot));
  expect(real.emitted).toEqual(model.emitted);
  expect(real.replayMismatches).toEqual([]);

  // Per outage: at most 3 attempts, each after exactly its backoff, 65 s (scaled) of waiting in all.
  const sessionBeads = real.emitted.flatMap(({ at, event }) =>
    event.type === 'bead' && event.draft.bead_type === 'IBKR_SESSION' ? [{ at, corr: event.draft.correlation_id, data: event.draft.data }] : [],
  );
  for (const corr of new Set(sessionBeads.map((b) => b.corr))) {
    const story = sessionBeads.filter((b) => b.corr === corr);
    let waited = 0;
    let attempts = 0;
    story.forEach((b, i) => {
      if (b.data.event !== 'RECONNECT' || b.data.escalated !== undefined) return;
      attempts += 1;
      const wait = b.at - story[i - 1]!.at;
      expect(wait).toBe(RECONNECT_BACKOFF_MS[attempts - 1]! * SCALE);
      waited += wait;
    });
    expect(attempts).toBeLessThanOrEqual(MAX_RECONNECT_ATTEMPTS);
    expect(waited).toBeLessThanOrEqual(65_000 * SCALE);
    const escalations = story.filter((b) => b.data.escalated === true);
    expect(escalations.length).toBeLessThanOrEqual(1);
    if (escalations.length === 1) expect(escalations[0]!.data.reconnect_attempt).toBe(3);
  }
}

class SendEvent implements fc.Command<Model, Real> {
  constructor(private readonly make: (now: number) => ConnectionEvent) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const event = this.make(real.clock.now());
    const wasFinal = model.snapshot.status === 'done';
    const before = { value: model.snapshot.value, emitted: model.emitted.length };
    model.send(event);
    if (wasFinal) {
      // ESCALATED and GUARD_FAILED are final: nothing moves, nothing more is said, and the actor has stopped.
      expect(model.snapshot.value).toEqual(before.value);
      expect(model.emitted.length).toBe(before.emitted);
      expect(real.actor.getSnapshot().status).toBe('done');
    } else {
      real.actor.send(event);
    }
    checkInvariants(model, real);
  }
  toString = () => `send(${JSON.stringify(this.make(T0))})`;
}

class Elapse implements fc.Command<Model, Real> {
  constructor(private readonly ms: number) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const wasFinal = model.snapshot.status === 'done';
    const emittedBefore = model.emitted.length;
    model.advance(this.ms);
    advance(real.clock, this.ms);
    if (wasFinal) expect(model.emitted.length).toBe(emittedBefore);
    checkInvariants(model, real);
  }
  toString = () => `elapse(${this.ms} ms)`;
}

const reason = fc.constantFrom('socket closed', 'ECONNREFUSED', 'client id 1 is in use (326)', 'connectivity lost (1100)');
const commands = [
  fc.constant(new SendEvent(() => ({ type: 'CONNECT_REQUESTED' }))),
  fc.constant(new SendEvent(() => ({ type: 'SOCKET_CONNECTED' }))),
  fc.integer({ min: 100, max: 193 }).map((v) => new SendEvent(() => ({ type: 'VALIDATION_PASSED', serverVersion: v }))),
  reason.map((r) => new SendEvent(() => ({ type: 'ATTEMPT_FAILED', reason: r }))),
  reason.map((r) => new SendEvent((now) => ({ type: 'CONNECTION_LOST', reason: r, at: now }))),
  fc.constant(new SendEvent((now) => ({ type: 'PROBE_TIMEOUT', at: now }))),
  fc.constant(new SendEvent(() => ({ type: 'VALIDATION_FAILED', reason: 'account not managed' }))),
  fc.integer({ min: 1, max: 80 }).map((ms) => new Elapse(ms)),
];

describe('connection machine, model-based', () => {
  it('INV-IBKR-RECONNECT-1: under random loss, restore, timeouts and failed attempts: ≤3 attempts per outage at 5/15/45 s, finals stay final, replay rebuilds the live state', () => {
    // Rare events are listed once and the rest often enough that runs reach ESCALATED and back to CONNECTED.
    const weighted = [...commands, commands[1]!, commands[2]!, commands[3]!, commands[7]!, commands[7]!];
    fc.assert(
      fc.property(fc.commands(weighted, { size: '+1' }), (cmds) => {
        fc.modelRun(() => ({ model: new PureRun(connectionMachine, INPUT, T0) as Model, real: new Real() }), cmds);
      }),
      { numRuns: 100 },
    );
  });
});
