import { type Actor, createActor } from 'xstate';
import type { Bead, BeadOf, Intent } from '../../beads/index.ts';
import type { ApprovalActorDeps } from './approvalDeps.ts';
import { type ApprovalCommand, type ApprovalEmitted, type ApprovalEvent, approvalMachine, type OrderBinding, staleAt } from '../../machines/approval.ts';
import { type ApprovalSnapshot, approvalStateOf, decisionEventOf, describeApproval } from '../../machines/approvalReplay.ts';
import { isoAt } from '../../runtime/clock.ts';
import { writeResponse } from '../intents/index.ts';
import { acceptedDecisionOf, type DecisionPorts, judgeAndAnswer, unansweredOf } from './approvalDecisions.ts';
import { type ApprovalInternals, mintFromDecision, submitBracket } from './approvalSubmit.ts';
import { positionIdOf } from './entryBracket.ts';
import { renderEvidenceMarkdown } from '../approval/render.ts';
import { evidenceEvent } from './evidence.ts';
import { renderApprovalEnd } from './evidenceMarkdown.ts';
import { scaled } from './flowDeps.ts';
import { Mailbox } from '../../runtime/mailbox.ts';

/**
 * One READY intent's approval (S3.2): drives the approval machine and does
 * what it asks. Evidence is gathered from the projections and the broker and
 * shown in response.md once its bead is in; a DECISION bead read from the
 * log (a person, through `phoenix approve` or Telegram) is the only thing
 * that gets a token minted, and the token goes straight to the guard chain.
 * The token's secret lives here, in memory, and nowhere else.
 */

export type { ApprovalActorDeps };

/** How long the evidence waits for a first quote before it is shown without one. */
const QUOTE_WAIT_MS = 2_000;

export class ApprovalActor {
  readonly intentId: string;
  private readonly actor: Actor<typeof approvalMachine>;
  private readonly queue: Mailbox;
  private readonly decisions = new Map<string, Bead>();
  /** Decisions this host verified, with its ATTESTATION ACCEPTED (issue 17). */
  private readonly accepted = new Map<string, string>();
  private readonly secrets = new Map<string, string>();
  /** TOKEN_ISSUED, stamped and held for the submit that follows it: it rides in the write-ahead's append. */
  private heldTokenIssued: Bead | undefined;
  private firstBead: boolean;

  constructor(
    private readonly deps: ApprovalActorDeps,
    start: { intent: Intent; contentHash: string } | { snapshot: ApprovalSnapshot; decisions: readonly Bead[] },
  ) {
    const { config, clock } = deps;
    if ('snapshot' in start) {
      const c = start.snapshot.context;
      // XState wants the input even when it restores; a restored machine does not read it.
      const input = {
        intent: c.intent,
        contentHash: c.contentHash,
        receivedAt: c.receivedAt,
        staleGateMs: c.staleGateMs,
        tokenTtlMs: c.tokenTtlMs,
      };
      this.actor = createActor(approvalMachine, {
        snapshot: start.snapshot,
        input,
      });
      for (const d of start.decisions) this.decisions.set(d.bead_id, d);
      this.firstBead = false;
    } else {
      const input = {
        intent: start.intent,
        contentHash: start.contentHash,
        receivedAt: clock.now(),
        staleGateMs: scaled(config, config.STALE_GATE_MINUTES * 60_000),
        tokenTtlMs: scaled(config, config.APPROVAL_TOKEN_TTL_S * 1000),
      };
      this.actor = createActor(approvalMachine, { input });
      this.firstBead = true;
    }
    this.intentId = this.actor.getSnapshot().context.intentId;
    this.queue = new Mailbox(deps.logger.child({ approval: this.intentId }), `approval ${this.intentId}`);
    this.actor.on('*', (emitted: ApprovalEmitted) => void this.queue.run(() => this.perform(emitted)));
    // An approval may end on its own timer (the anchor going stale, the token expiring), not only on an event.
    let told = this.actor.getSnapshot().status === 'done';
    this.actor.subscribe((s) => {
      if (s.status !== 'done' || told) return;
      told = true;
      void this.queue.run(() => this.writeEnd());
    });
  }

  get snapshot(): ApprovalSnapshot {
    return this.actor.getSnapshot();
  }

  get ended(): boolean {
    return this.snapshot.status === 'done';
  }

  settled(): Promise<void> {
    return this.queue.settled();
  }

  /** A new approval validates at once; a restored one picks up the step it was in when the host stopped. */
  start(): void {
    this.actor.start();
    const s = this.snapshot;
    const now = this.deps.clock.now();
    if (s.matches('RECEIVED')) this.send({ type: 'VALIDATE', at: now });
    else if (s.matches('VALIDATING')) void this.queue.run(() => this.gatherEvidence());
    else if (s.matches('AWAITING_DECISION')) void this.queue.run(() => this.judgeUnanswered());
    else if (s.matches({ APPROVED: 'minting' }) && s.context.decision) {
      // The token's life runs from the person's decision, not from the restart: a decision older than that expires.
      const { decisionBeadId, at, binding } = s.context.decision;
      this.mintWhenReady(decisionBeadId, s.context.contentHash, Math.min(at + s.context.tokenTtlMs, staleAt(s.context)), binding);
    }
  }

  /**
   * A DECISION bead for this intent appeared in the log. The host judges it
   * first (issue 17: a person, on an authenticated channel, for the order
   * shown) and answers it with an ATTESTATION; only an accepted one reaches
   * the machine.
   */
  decide(bead: BeadOf<'APPROVAL'>): void {
    if (decisionEventOf(bead) === undefined || this.decisions.has(bead.bead_id)) return;
    this.decisions.set(bead.bead_id, bead);
    void this.queue.run(() => this.judge(bead));
  }

  private judge(bead: BeadOf<'APPROVAL'>): Promise<void> {
    return judgeAndAnswer(this.decisionPorts(), bead);
  }

  private async judgeUnanswered(): Promise<void> {
    for (const d of await unansweredOf(this.decisionPorts())) {
      this.decisions.set(d.bead_id, d);
      await this.judge(d);
    }
  }

  private acceptedDecision(decisionBeadId: string): Promise<{ bead: Bead; attestationId: string } | undefined> {
    return acceptedDecisionOf(this.decisionPorts(), decisionBeadId);
  }

  private decisionPorts(): DecisionPorts {
    return {
      intentId: this.intentId,
      deps: this.deps,
      ended: () => this.ended,
      shown: () => this.snapshot.context.evidence?.order,
      decisions: this.decisions,
      accepted: this.accepted,
      send: (event) => this.send(event),
    };
  }

  /** The order this approval's token paid for is known to have gone out (crash recovery found its write-ahead). */
  consumedBeforeRestart(reason: string): void {
    const token = this.snapshot.context.token;
    if (token)
      this.send({
        type: 'TOKEN_CONSUMED',
        tokenId: token.tokenId,
        outcome: 'SENT',
        reason,
        at: this.deps.clock.now(),
      });
  }

  clock(): void {
    this.send({ type: 'CLOCK', at: this.deps.clock.now() });
  }

  stop(): void {
    this.actor.stop();
  }

  private send(event: ApprovalEvent): void {
    if (this.ended) return;
    this.actor.send(event);
  }

  private async perform(e: ApprovalEmitted): Promise<void> {
    if (e.type === 'refused') {
      this.deps.logger.warn({ intent: e.intentId, event: e.event }, `approval ignored an event: ${e.why}`);
      return;
    }
    if (e.type === 'alert') {
      await this.flushHeld();
      this.deps.logger.warn({ intent: this.intentId, alert: e.alertType }, e.message);
      await this.deps.alerts.raise(e);
      return;
    }
    if (e.type === 'bead' && e.draft.bead_type === 'APPROVAL' && e.draft.data.event === 'TOKEN_ISSUED') {
      // The machine asks for the submit in the same step; one durable commit for both is the order path's speed (B3).
      await this.flushHeld();
      this.heldTokenIssued = this.deps.writer.stamp(e.draft, e.at);
      return;
    }
    if (e.type !== 'command' || e.command !== 'submit') await this.flushHeld();
    if (e.type === 'bead') {
      const expected = this.firstBead ? 'no_stream' : 'any';
      this.firstBead = false;
      await this.deps.writer.append(e.draft, { ...(e.at === undefined ? {} : { at: e.at }), expected });
      if (e.draft.bead_type === 'APPROVAL' && e.draft.data.event === 'EVIDENCE_SHOWN') await this.showEvidence();
      return;
    }
    await this.run(e);
  }

  /** A held bead is written on its own if anything but its submit comes next: facts are never dropped. */
  private async flushHeld(): Promise<void> {
    const held = this.takeHeld();
    if (held.length > 0) await this.deps.writer.writeTogether(held);
  }

  private takeHeld(): Bead[] {
    const held = this.heldTokenIssued;
    this.heldTokenIssued = undefined;
    return held ? [held] : [];
  }

  private async run(c: ApprovalCommand): Promise<void> {
    switch (c.command) {
      case 'gather-evidence':
        return this.gatherEvidence();
      case 'mint-token':
        return this.mintWhenReady(c.decisionBeadId, c.contentHash, c.expiresAt, c.binding);
      case 'submit':
        return this.whenReady({ APPROVED: 'tokenIssued' }, () => submitBracket(this.internals(), c.tokenId));
      case 'discard-token':
        this.secrets.delete(c.tokenId);
        return;
    }
  }

  private async gatherEvidence(): Promise<void> {
    this.send(await evidenceEvent(this.deps, this.snapshot.context, QUOTE_WAIT_MS));
  }

  private async showEvidence(): Promise<void> {
    const c = this.snapshot.context;
    if (!c.evidence) return;
    await writeResponse(this.deps.config.homeDir, renderEvidenceMarkdown(c.evidence, { staleAt: isoAt(staleAt(c)), stream: `approval-${this.intentId}` }));
  }

  private mintWhenReady(decisionBeadId: string, contentHash: string, expiresAt: number, binding: OrderBinding | undefined): void {
    this.whenReady({ APPROVED: 'minting' }, () => mintFromDecision(this.internals(), decisionBeadId, contentHash, expiresAt, binding));
  }

  private internals(): ApprovalInternals {
    return {
      intentId: this.intentId,
      snapshot: this.snapshot,
      deps: this.deps,
      send: (event) => this.send(event),
      acceptedDecision: (id) => this.acceptedDecision(id),
      secrets: this.secrets,
      takeHeld: () => this.takeHeld(),
      later: (work) => void this.queue.run(async () => work()),
    };
  }

  /**
   * Runs `step` in this mailbox once the broker is ready, if the machine is still where it asked for it. The wait
   * does not hold up the mailbox: the machine's own timers (anchor, token expiry) go on, and if they end the
   * approval meanwhile, its beads are written and the step is dropped.
   */
  private whenReady(state: Parameters<ApprovalSnapshot['matches']>[0], step: () => Promise<void>): void {
    const { ready, logger } = this.deps;
    if (!ready.isReady) logger.info({ intent: this.intentId }, 'approved: waiting for the broker to be connected and resynced before the order goes out');
    void ready.whenReady().then(() =>
      this.queue.run(async () => {
        if (this.snapshot.matches(state)) await step();
      }),
    );
  }

  private async writeEnd(): Promise<void> {
    const s = this.snapshot;
    const state = approvalStateOf(s);
    const detail =
      state === 'CONSUMED'
        ? `Approved and sent: the bracket is at the broker; follow it with \`phoenix replay --stream position-${positionIdOf(this.intentId)}\`.`
        : describeApproval(s);
    await writeResponse(this.deps.config.homeDir, renderApprovalEnd(this.intentId, state, detail)).catch((err: Error) =>
      this.deps.logger.warn({ err: err.message }, 'could not write response.md'),
    );
  }
}
