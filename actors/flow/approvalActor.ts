import { type Actor, createActor } from 'xstate';
import { type Bead, type BeadOf, type Intent, intentSide } from '../../beads/index.ts';
import { type ApprovalCommand, type ApprovalEmitted, type ApprovalEvent, approvalMachine, staleAt } from '../../machines/approval.ts';
import { type ApprovalSnapshot, approvalStateOf, decisionEventOf, describeApproval } from '../../machines/approvalReplay.ts';
import type { PositionInput } from '../../machines/position.ts';
import type { OrderTicket } from '../broker/submitGuards.ts';
import { type ApprovalTokens, recordedHumanDecision } from '../broker/tokens.ts';
import { isoAt } from '../../runtime/clock.ts';
import { writeResponse } from '../intents/index.ts';
import { entryBracket, positionIdOf, unitsFor } from './entryBracket.ts';
import { renderEvidenceMarkdown } from '../approval/render.ts';
import { evidenceFromFlow } from './evidence.ts';
import { renderApprovalEnd } from './evidenceMarkdown.ts';
import type { BrokerReadiness } from './brokerReadiness.ts';
import { type FlowDeps, scaled } from './flowDeps.ts';
import type { FlowViews } from './flowViews.ts';
import type { PriceBook } from './priceBook.ts';
import { Mailbox } from '../../runtime/mailbox.ts';
import type { Submitter } from './submitter.ts';

/**
 * One READY intent's approval (S3.2): drives the approval machine and does
 * what it asks. Evidence is gathered from the projections and the broker and
 * shown in response.md once its bead is in; a DECISION bead read from the
 * log (a person, through `phoenix approve` or Telegram) is the only thing
 * that gets a token minted, and the token goes straight to the guard chain.
 * The token's secret lives here, in memory, and nowhere else.
 */

export interface ApprovalActorDeps extends FlowDeps {
  views: FlowViews;
  prices: PriceBook;
  tokens: ApprovalTokens;
  submitter: Submitter;
  /** A decision waits for the broker: no token is minted or redeemed while it is away. */
  ready: BrokerReadiness;
  /** The bracket was sent and the token consumed: the position's life begins. */
  startPosition(input: PositionInput): void;
  /** A bracket only partly sent: record the orders as given up and cancel what the broker holds. */
  abandon(orders: readonly OrderTicket[], reason: string): Promise<void>;
}

/** How long the evidence waits for a first quote before it is shown without one. */
const QUOTE_WAIT_MS = 2_000;

export class ApprovalActor {
  readonly intentId: string;
  private readonly actor: Actor<typeof approvalMachine>;
  private readonly queue: Mailbox;
  private readonly decisions = new Map<string, Bead>();
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
    else if (s.matches({ APPROVED: 'minting' }) && s.context.decision) {
      // The token's life runs from the person's decision, not from the restart: a decision older than that expires.
      const { decisionBeadId, at } = s.context.decision;
      this.mintWhenReady(decisionBeadId, s.context.contentHash, Math.min(at + s.context.tokenTtlMs, staleAt(s.context)));
    }
  }

  /** A DECISION bead for this intent appeared in the log. */
  decide(bead: BeadOf<'APPROVAL'>): void {
    const event = decisionEventOf(bead);
    if (event === undefined) return;
    this.decisions.set(bead.bead_id, bead);
    this.send(event);
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
      await this.deps.alerts.raise({ type: e.alertType, message: e.message, dedupeKey: e.dedupeKey, correlationId: e.correlationId });
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
        return this.mintWhenReady(c.decisionBeadId, c.contentHash, c.expiresAt);
      case 'submit':
        return this.whenReady({ APPROVED: 'tokenIssued' }, () => this.submit(c.tokenId));
      case 'discard-token':
        this.secrets.delete(c.tokenId);
        return;
    }
  }

  private async gatherEvidence(): Promise<void> {
    const { config, broker, prices, views, clock } = this.deps;
    const c = this.snapshot.context;
    const quote = await prices.waitForQuote(c.intent.pair, QUOTE_WAIT_MS);
    const account = await broker.connector.accountSummary().catch(() => undefined);
    const outcome = evidenceFromFlow({
      intent: c.intent,
      contentHash: c.contentHash,
      now: clock.now(),
      staleGateMs: c.staleGateMs,
      units: unitsFor(config),
      mode: config.mode,
      quote,
      account,
      views,
    });
    this.send(outcome.ok ? { type: 'EVIDENCE_READY', evidence: outcome.evidence, at: clock.now() } : { type: 'EVIDENCE_FAILED', reason: outcome.reason, at: clock.now() });
  }

  private async showEvidence(): Promise<void> {
    const c = this.snapshot.context;
    if (!c.evidence) return;
    await writeResponse(this.deps.config.homeDir, renderEvidenceMarkdown(c.evidence, { staleAt: isoAt(staleAt(c)), stream: `approval-${this.intentId}` }));
  }

  private mintWhenReady(decisionBeadId: string, contentHash: string, expiresAt: number): void {
    this.whenReady({ APPROVED: 'minting' }, () => this.mint(decisionBeadId, contentHash, expiresAt));
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

  /** INV-NO-AUTO-APPROVAL: the token comes only from a DECISION bead read from the log. */
  private async mint(decisionBeadId: string, contentHash: string, expiresAt: number): Promise<void> {
    const now = this.deps.clock.now();
    const bead = this.decisions.get(decisionBeadId);
    const recorded =
      bead === undefined
        ? {
            ok: false as const,
            why: `no decision bead ${decisionBeadId} in the log`,
          }
        : recordedHumanDecision(bead);
    const minted = recorded.ok
      ? this.deps.tokens.mint({
          decision: recorded.decision,
          contentHash,
          expiresAt,
        })
      : recorded;
    if (!minted.ok) {
      this.send({ type: 'MINT_FAILED', reason: minted.why, at: now });
      return;
    }
    this.secrets.set(minted.tokenId, minted.token);
    this.send({
      type: 'TOKEN_MINTED',
      tokenId: minted.tokenId,
      expiresAt: minted.expiresAt,
      decisionBeadId,
      at: now,
    });
  }

  private async submit(tokenId: string): Promise<void> {
    const { config, broker, clock, submitter } = this.deps;
    const c = this.snapshot.context;
    const token = this.secrets.get(tokenId) ?? '';
    this.secrets.delete(tokenId);
    const recordWith = this.takeHeld();
    const units = unitsFor(config);
    let ids: number[];
    try {
      ids = broker.connector.orderIds.allocate(3);
    } catch (err) {
      if (recordWith.length > 0) await this.deps.writer.writeTogether(recordWith);
      this.send({
        type: 'SUBMIT_REFUSED',
        reason: `no order ids: ${(err as Error).message}`,
        at: clock.now(),
      });
      return;
    }
    const orders = entryBracket(c.intent, units, [ids[0]!, ids[1]!, ids[2]!]);
    const submittedAt = clock.now();
    const result = await submitter.submit({
      kind: 'ENTRY',
      account: broker.account,
      orders,
      approval: { token, intentId: c.intentId, contentHash: c.contentHash },
      recordWith,
    });
    const at = clock.now();
    if (result.tokenId === undefined) {
      const reason =
        result.outcome === 'REFUSED' ? `${result.step}: ${result.reason}` : result.outcome === 'SEND_FAILED' ? result.reason : 'no token was redeemed';
      this.send({ type: 'SUBMIT_REFUSED', reason, at });
      return;
    }
    const why = result.outcome === 'SENT' ? {} : { reason: result.reason };
    this.send({
      type: 'TOKEN_CONSUMED',
      tokenId: result.tokenId,
      outcome: result.outcome,
      at,
      ...why,
    });
    if (result.outcome === 'REFUSED') return;
    // Part of the bracket went out and part did not: nothing works at the broker without the last child. The orders
    // are given up on the record and the held ones cancelled; the position's story then ends CANCELLED.
    if (result.outcome === 'SEND_FAILED') await this.deps.abandon(orders, result.reason);
    const i = c.intent;
    // After the CONSUMED bead (queued by the send above): the token's story ends before the position's begins.
    const start = () =>
      this.deps.startPosition({
        positionId: positionIdOf(i.intent_id),
        intentId: i.intent_id,
        pair: i.pair,
        side: intentSide(i),
        quantity: units,
        plannedEntry: i.entry,
        stop: i.stop,
        target: i.target,
        submittedAt,
        timeScale: config.TIME_SCALE,
      });
    void this.queue.run(start);
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
