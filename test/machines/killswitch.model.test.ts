import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Actor, createActor } from 'xstate';
import { submitGuarded } from '../../actors/broker/submitGuards.ts';
import { createApprovalTokens, recordedHumanDecision } from '../../actors/broker/tokens.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import type { Bead, Mode } from '../../beads/index.ts';
import { type KillSwitchEmitted, type KillSwitchEvent, killSwitchMachine } from '../../machines/killswitch.ts';
import { killFlagOf, replayKillSwitch } from '../../machines/killswitchReplay.ts';
import { comparableSnapshot, type Requester } from '../../machines/types.ts';
import { ATTESTED, bracketOf, testBinding } from '../support/approvedOrder.ts';
import { beadsFrom, stampAt, T0 } from './support.ts';

/**
 * Model-based: random requests from people and from code against the kill
 * switch actor, with the submit guard reading its flag. The model is the rule
 * of S3.5 in a line: set by anything dangerous, cleared only by a person who
 * says why.
 */
interface Model {
  flag: 'ARMED' | 'SET';
  mode: Mode;
}

const SECRET = 'q'.repeat(40);
const CONFIG = loadConfig({ IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU1' });
const HASH = 'sha256:i';

class Real {
  readonly actor: Actor<typeof killSwitchMachine> = createActor(killSwitchMachine);
  readonly emitted: KillSwitchEmitted[] = [];
  readonly beads: Bead[] = [];
  private tokenCount = 0;
  private readonly tokens = createApprovalTokens({ secret: SECRET, ids: { next: () => `t-${++this.tokenCount}` }, consumed: new Set() });
  constructor(readonly mode: Mode) {
    this.actor.on('*', (e) => {
      this.emitted.push(e);
      this.beads.push(...beadsFrom([e], T0, mode));
    });
    this.actor.start();
  }

  /** An order through the real guard chain, reading the live flag. */
  async submit(kind: 'ENTRY' | 'EXIT') {
    // Issue 17: each entry is its own person's decision, verified by the host, for exactly its bracket: one decision, one token.
    const binding = testBinding('i', { account: 'DU1' });
    const bead = stampAt(
      {
        bead_type: 'APPROVAL',
        stream: 'approval-i',
        correlation_id: 'i',
        data: { intent_id: 'i', event: 'DECISION', decision: 'APPROVE', decided_by: 'alice', channel: 'TERMINAL', content_hash: HASH, binding },
      },
      T0,
    );
    const decision = recordedHumanDecision(bead, ATTESTED);
    if (!decision.ok) throw new Error(decision.why);
    const minted = this.tokens.mint({ decision: decision.decision, contentHash: HASH, binding, expiresAt: T0 + 60_000 });
    if (!minted.ok) throw new Error(minted.why);
    const ref = `ph-${this.tokenCount}`;
    const ticket = { orderId: this.tokenCount, orderRef: ref, pair: 'EURUSD', action: 'BUY', quantity: 1000, orderType: 'MKT' } as const;
    const request =
      kind === 'ENTRY'
        ? ({ kind, account: 'DU1', orders: bracketOf(binding), approval: { token: minted.token, intentId: 'i', contentHash: HASH, binding } } as const)
        : ({ kind, account: 'DU1', orders: [{ ...ticket, role: 'CLOSE' }], correlationId: 'p', authority: { who: 'cli:alice', reason: 'close' } } as const);
    return submitGuarded(request, {
      config: CONFIG,
      session: () => ({ port: 4002, managedAccounts: ['DU1'] }),
      killFlag: () => killFlagOf(this.actor.getSnapshot()),
      tokens: this.tokens,
      pacer: { acquire: async () => ({ ok: true }) },
      clock: new ManualClock(T0),
      appendWriteAhead: async () => [],
      send: () => undefined,
    });
  }
}

function agree(model: Model, real: Real): void {
  expect(killFlagOf(real.actor.getSnapshot())).toBe(model.flag);
  // The stream holds only KILL_FLAG beads; a refused CLEAR's SECURITY bead goes to `security`.
  const { snapshot, anomalies } = replayKillSwitch(real.beads.filter((b) => b.stream === 'killswitch'));
  expect(anomalies).toEqual([]);
  expect(comparableSnapshot(snapshot)).toEqual(comparableSnapshot(real.actor.getSnapshot()));
}

class Request implements fc.AsyncCommand<Model, Real> {
  constructor(private readonly event: (mode: Mode) => KillSwitchEvent) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const event = this.event(model.mode);
    const emittedBefore = real.emitted.length;
    real.actor.send(event);
    const said = real.emitted.slice(emittedBefore);
    if (event.type === 'CLEAR') {
      const obeyed = model.flag === 'SET' && event.by.kind === 'human' && event.by.id.trim() !== '' && event.reason.trim() !== '';
      if (obeyed) model.flag = 'ARMED';
      // Every CLEAR not obeyed says why.
      expect(said.some((e) => e.type === 'refused')).toBe(!obeyed);
    } else if (event.type !== 'DRIFT_DETECTED' || event.mode === 'LIVE') {
      model.flag = 'SET';
    }
    agree(model, real);
  }
  toString = () => JSON.stringify(this.event('LIVE'));
}

class Submit implements fc.AsyncCommand<Model, Real> {
  constructor(private readonly kind: 'ENTRY' | 'EXIT') {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const result = await real.submit(this.kind);
    const refusedByFlag = result.outcome === 'REFUSED' && result.step === 'KILL_FLAG';
    expect(refusedByFlag).toBe(this.kind === 'ENTRY' && model.flag === 'SET');
    if (!refusedByFlag) expect(result.outcome).toBe('SENT');
  }
  toString = () => `submit(${this.kind})`;
}

const person = fc.record({
  kind: fc.constant('human' as const),
  id: fc.constantFrom('alice', 'bob', '', ' '),
  channel: fc.constantFrom('CLI' as const, 'TELEGRAM' as const, 'DASHBOARD' as const),
});
const code = fc.record({ kind: fc.constant('system' as const), component: fc.constantFrom('reconciliation', 'submit-guard', 'heartbeat') });
const requester: fc.Arbitrary<Requester> = fc.oneof(person, code);
const why = fc.constantFrom('drill over', 'checked the drift', '', '   ');

const commands: fc.Arbitrary<fc.AsyncCommand<Model, Real>>[] = [
  fc.tuple(person, why).map(([by, reason]) => new Request(() => ({ type: 'HALT', by, reason }))),
  why.map((reason) => new Request((mode) => ({ type: 'DRIFT_DETECTED', mode, reason }))),
  why.map((reason) => new Request(() => ({ type: 'GUARD_VIOLATION', reason }))),
  why.map((reason) => new Request(() => ({ type: 'LOG_UNAVAILABLE', reason }))),
  fc.tuple(requester, why).map(([by, reason]) => new Request(() => ({ type: 'CLEAR', by, reason }))),
  fc.tuple(requester, why).map(([by, reason]) => new Request(() => ({ type: 'CLEAR', by, reason }))),
  fc.constantFrom('ENTRY' as const, 'EXIT' as const).map((kind) => new Submit(kind)),
];

describe('kill switch, model-based', () => {
  it('only a person with a reason clears it; while SET every entry is refused and exits still pass; replay rebuilds it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Mode>('LIVE', 'PAPER', 'MOCK'), fc.commands(commands, { maxCommands: 40 }), async (mode, cmds) => {
        await fc.asyncModelRun(() => ({ model: { flag: 'ARMED', mode } as Model, real: new Real(mode) }), cmds);
      }),
      { numRuns: 100 },
    );
  });
});
