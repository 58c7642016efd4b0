import { type Actor, createActor, SimulatedClock } from 'xstate';
import { type OrderTicket, type SubmitResult, submitGuarded } from '../../actors/broker/submitGuards.ts';
import { createApprovalTokens, recordedHumanDecision } from '../../actors/broker/tokens.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import type { Bead } from '../../beads/index.ts';
import { type ApprovalEmitted, type ApprovalEvent, type ApprovalInput, approvalMachine } from '../../machines/approval.ts';
import { decisionEventOf } from '../../machines/approvalReplay.ts';
import { advance, beadsFrom } from '../machines/support.ts';
import { ATTESTED, bracketOf } from '../support/approvedOrder.ts';
import { approvalInput, BINDING, type DecisionFields, decisionBead, evidence, T0 } from './fixtures.ts';

/**
 * The approval machine as the host will run it: a live actor on XState's
 * simulated clock, with the real T2 token module and the real submit guard
 * chain answering its commands. Decisions arrive as beads, the way
 * `phoenix approve` writes them. Every event the actor receives is kept with
 * its time, so a model can be fed exactly the same story.
 */
export class ApprovalFlow {
  readonly clock = new SimulatedClock();
  readonly actor: Actor<typeof approvalMachine>;
  /** The approval stream as the log would hold it: the machine's beads and the decision beads, in order. */
  readonly beads: Bead[] = [];
  readonly emitted: { at: number; event: ApprovalEmitted }[] = [];
  readonly received: { at: number; event: ApprovalEvent }[] = [];
  /** Orders that reached `send`: the only thing the broker would ever see. */
  readonly sent: OrderTicket[] = [];
  readonly results: SubmitResult[] = [];
  readonly consumed = new Set<string>();
  /** Token secrets held in memory, by token id, as the actor would hold them. */
  readonly secrets = new Map<string, string>();
  /** Every token ever minted, kept so a test can try to use one again (the actor would not). */
  readonly minted: string[] = [];
  killFlag: 'ARMED' | 'SET' = 'ARMED';
  /** When set, submit commands go unanswered, as if the guard chain were stuck behind pacing. */
  holdSubmits = false;
  private tokenCount = 0;
  private readonly tokens = createApprovalTokens({ secret: 's'.repeat(40), ids: { next: () => `tok-${++this.tokenCount}` }, consumed: this.consumed });
  private readonly queue: ApprovalEmitted[] = [];

  constructor(input: ApprovalInput = approvalInput()) {
    this.clock.set(input.receivedAt);
    this.actor = createActor(approvalMachine, { input, clock: this.clock });
    this.actor.on('*', (event) => {
      this.emitted.push({ at: this.clock.now(), event });
      this.beads.push(...beadsFrom([event], this.clock.now()));
      this.queue.push(event);
    });
    this.actor.start();
  }

  get now(): number {
    return this.clock.now();
  }

  /** Like the host, it stops talking to an approval once it has ended. */
  async send(event: ApprovalEvent): Promise<void> {
    this.enqueueEvent(event);
    await this.settle();
  }

  async validateAndShow(): Promise<void> {
    await this.send({ type: 'VALIDATE', at: this.now });
    await this.send({ type: 'EVIDENCE_READY', evidence: evidence(), at: this.now });
  }

  /** A person decides: the decision bead lands in the log first, then the host hears of it. */
  async decide(fields: DecisionFields = {}): Promise<Bead> {
    const bead = decisionBead(this.now, fields);
    this.beads.push(bead);
    const event = bead.bead_type === 'APPROVAL' ? decisionEventOf(bead) : undefined;
    if (event) await this.send(event);
    return bead;
  }

  async wait(ms: number): Promise<void> {
    advance(this.clock, ms);
    await this.settle();
  }

  state(): string {
    const v = this.actor.getSnapshot().value;
    return typeof v === 'string' ? v : Object.keys(v)[0]!;
  }

  commands(name: string) {
    return this.emitted.filter((e) => e.event.type === 'command' && e.event.command === name);
  }

  private async settle(): Promise<void> {
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
      if (next.type !== 'command') continue;
      if (next.command === 'mint-token') this.mint(next.decisionBeadId, next.contentHash, next.expiresAt, next.binding);
      else if (next.command === 'submit' && !this.holdSubmits) await this.submit(next.tokenId, next.intentId, next.contentHash);
      else if (next.command === 'discard-token') this.secrets.delete(next.tokenId);
    }
  }

  /** The actor's mint: only from a decision bead that is in the log. */
  private mint(decisionBeadId: string, contentHash: string, expiresAt: number, binding = BINDING): void {
    const bead = this.beads.find((b) => b.bead_id === decisionBeadId);
    // Issue 17: the harness plays the host, which verified the decision (its ATTESTATION) before the machine heard it.
    const recorded = bead === undefined ? { ok: false as const, why: `no decision bead ${decisionBeadId} in the log` } : recordedHumanDecision(bead, ATTESTED);
    const minted = recorded.ok ? this.tokens.mint({ decision: recorded.decision, contentHash, binding, expiresAt }) : recorded;
    if (!minted.ok) {
      this.enqueueEvent({ type: 'MINT_FAILED', reason: minted.why, at: this.now });
      return;
    }
    this.secrets.set(minted.tokenId, minted.token);
    this.minted.push(minted.token);
    this.enqueueEvent({ type: 'TOKEN_MINTED', tokenId: minted.tokenId, expiresAt: minted.expiresAt, decisionBeadId, at: this.now });
  }

  private async submit(tokenId: string, intentId: string, contentHash: string): Promise<void> {
    const token = this.secrets.get(tokenId) ?? '';
    const result = await this.guardChain(token, intentId, contentHash);
    this.results.push(result);
    if (result.tokenId !== undefined) {
      this.secrets.delete(result.tokenId);
      const outcome = result.outcome;
      this.enqueueEvent({ type: 'TOKEN_CONSUMED', tokenId: result.tokenId, outcome, at: this.now, ...(outcome === 'SENT' ? {} : { reason: result.reason }) });
    } else if (result.outcome === 'REFUSED') {
      this.enqueueEvent({ type: 'SUBMIT_REFUSED', reason: `${result.step}: ${result.reason}`, at: this.now });
    }
  }

  /** Any token, any intent: the guard chain is the last word. */
  guardChain(token: string, intentId: string, contentHash: string): Promise<SubmitResult> {
    const n = this.results.length * 3;
    // Issue 17: the bracket is exactly the order approved; `sent` keeps its entry, the order that opens the position.
    const orders: [OrderTicket, OrderTicket, OrderTicket] = bracketOf(BINDING, [n + 1, n + 2, n + 3]);
    return submitGuarded(
      { kind: 'ENTRY', account: 'DU1234567', orders, approval: { token, intentId, contentHash, binding: BINDING } },
      {
        config: loadConfig({ IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU1234567' }),
        session: () => ({ port: 4002, managedAccounts: ['DU1234567'] }),
        killFlag: () => this.killFlag,
        tokens: this.tokens,
        pacer: { acquire: async () => ({ ok: true }) },
        clock: { now: () => this.now },
        appendWriteAhead: async () => [],
        send: (o) => {
          if (o.role === 'ENTRY') this.sent.push(o);
        },
      },
    );
  }

  /** Follow-up events are sent after the current one is done, as an actor's mailbox would. */
  private enqueueEvent(event: ApprovalEvent): void {
    if (this.actor.getSnapshot().status !== 'active') return;
    this.received.push({ at: this.now, event });
    this.actor.send(event);
  }
}

export { T0 };
