import { type BeadOf, type Intent, streams } from '../../beads/index.ts';
import { type ResendDeps, resendEntry, resendExit } from './resend.ts';
import { type ApprovalTokens, createApprovalTokens, } from '../broker/tokens.ts';
import type { BrokerHooks } from '../broker/connectionActor.ts';
import { type IntentWatcher, startIntentWatcher } from '../intents/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import type { EntryHandler, Subscription } from '../../store/port.ts';
import { ApprovalActor, type ApprovalActorDeps } from './approvalActor.ts';
import { BrokerReadiness } from './brokerReadiness.ts';
import { type CloseDeps, closePosition } from './closePosition.ts';
import { recordEndedOrders } from './endedOrders.ts';
import { closeRequestOf } from '../../beads/closeRequest.ts';
import { recoverUnacknowledged } from './crashRecovery.ts';
import type { FlowDeps } from './flowDeps.ts';
import { restoreApprovals, restorePositions } from './flowRestore.ts';
import { FlowViews } from './flowViews.ts';
import { OrderBook } from './orderBook.ts';
import { OrderRouter } from './orderRouter.ts';
import { PositionActor, type PositionStart } from './positionActor.ts';
import { protectPosition } from './protectPosition.ts';
import { PriceBook } from './priceBook.ts';
import { ReconciliationActor, type Trigger } from './reconciliationActor.ts';
import { noteForRestart, scanLog } from './startupScan.ts';
import { Submitter } from './submitter.ts';

/**
 * The trade flow (S5.3) as one unit the host starts: intents in, approvals,
 * the bracket through the guard chain, positions followed to their autopsy,
 * reconciliation, and recovery after a crash. Other processes reach it only
 * through the log (S9): decisions (`phoenix approve`, Telegram) and close
 * requests (`phoenix close`) are beads it hears on its subscription.
 */

export interface TradeFlowOptions extends FlowDeps {
  /** Follow PHOENIX_HOME/intents/incoming (default true; tests that drive approvals directly turn it off). */
  watchIntents?: boolean;
  /** Test-only: PHOENIX_TEST_PAUSE_BEFORE_SEND_MS. */
  pauseBeforeSendMs?: number;
}

export interface TradeFlow {
  readonly views: FlowViews;
  readonly book: OrderBook;
  /** For the connection actor: reconcile after (re)connect, and catch up market data after a resync. */
  readonly hooks: Required<Pick<BrokerHooks, 'reconcile' | 'onResync'>>;
  approval(intentId: string): ApprovalActor | undefined;
  position(positionId: string): PositionActor | undefined;
  /** Takes up a READY intent (the intent watcher calls it; at-least-once delivery is fine). */
  onReadyIntent(intent: Intent, bead: BeadOf<'INTENT'>): Promise<void>;
  reconcileNow(trigger?: Trigger): Promise<void>;
  /** Every mailbox is empty: what has been heard is in the log. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const refusingTokens: ApprovalTokens = {
  mint: () => ({
    ok: false,
    why: 'APPROVAL_TOKEN_SECRET is not set: no approval token can be minted',
  }),
  verify: () => ({
    ok: false,
    code: 'MALFORMED',
    why: 'APPROVAL_TOKEN_SECRET is not set',
  }),
  redeem: () => ({
    ok: false,
    code: 'MALFORMED',
    why: 'APPROVAL_TOKEN_SECRET is not set',
  }),
};

export async function startTradeFlow(o: TradeFlowOptions): Promise<TradeFlow> {
  const { config, writer, clock, broker } = o;
  const logger = o.logger.child({ actor: 'trade-flow' });
  const log = writer.log;
  const views = new FlowViews();
  const book = new OrderBook();
  const startup = await scanLog(log, views, book);
  const tokens = config.APPROVAL_TOKEN_SECRET
    ? createApprovalTokens({
        secret: config.APPROVAL_TOKEN_SECRET,
        ids: uuidV7Ids,
        consumed: startup.consumedTokens,
      })
    : refusingTokens;
  const positions = new Map<string, PositionActor>();
  const approvals = new Map<string, ApprovalActor>();
  const router = new OrderRouter(book, writer, logger, (id) => positions.get(id)?.onFacts());
  router.awaitLookup(book.unacknowledged().map((u) => u.orderRef));
  router.listen(broker.connector, broker.fills);
  const submitter = new Submitter(o, tokens, router, o.pauseBeforeSendMs ?? 0);
  const ready = new BrokerReadiness();
  o.broker.connection.onState((state) => {
    if (state !== 'CONNECTED') ready.markLost();
  });
  const closeDeps: CloseDeps = { ...o, book, router, submitter, ready };
  // One close and one protection at a time per position: a command repeated (a resume, a second request) while one runs is that one.
  const running = new Map<string, Promise<void>>();
  const once = (key: string, work: () => Promise<void>) => {
    if (running.has(key)) return;
    const job = work()
      .catch((err: Error) => logger.error({ key, err: err.message }, 'position work failed'))
      .finally(() => running.delete(key));
    running.set(key, job);
  };
  const prices = new PriceBook(broker.connector, logger);
  prices.onQuote((pair, q) => {
    for (const p of positions.values()) if (p.snapshot.context.pair === pair) p.tick(q.mid);
  });

  const newPosition = (start: PositionStart): PositionActor => {
    const actor = new PositionActor(
      {
        writer,
        logger,
        alerts: o.alerts,
        book,
        now: () => clock.now(),
        onCommand: (p, c) =>
          once(`${c.command}:${p.positionId}`, () => (c.command === 'close' ? closePosition(p, c.by, closeDeps) : protectPosition(p, closeDeps))),
        onEnded: (p) => {
          positions.delete(p.positionId);
        },
      },
      start,
    );
    positions.set(actor.positionId, actor);
    return actor;
  };
  const approvalDeps: ApprovalActorDeps = {
    ...o,
    logger,
    views,
    prices,
    tokens,
    submitter,
    ready,
    startPosition: (input) => {
      if (!positions.has(input.positionId)) newPosition({ input }).start();
    },
    abandon: async (orders, reason) => {
      for (const t of orders) {
        const record = book.byOrderRef(t.orderRef);
        if (record && !record.acknowledged)
          await router.record(record, {
            event: 'CANCELLED',
            reason: `bracket only partly sent: ${reason}`,
          });
        await broker.connector.cancelOrder(t.orderId).catch(() => undefined);
      }
    },
  };
  const newApproval = (start: ConstructorParameters<typeof ApprovalActor>[1]): ApprovalActor => {
    const actor = new ApprovalActor(approvalDeps, start);
    approvals.set(actor.intentId, actor);
    return actor;
  };

  const restorePorts = {
    log,
    logger,
    views,
    book,
    state: startup,
    newApproval,
    newPosition,
    timeScale: config.TIME_SCALE,
  };
  await restorePositions(restorePorts);
  await restoreApprovals(restorePorts);
  for (const [positionId, request] of startup.pendingCloses) positions.get(positionId)?.closeRequested(request.who);

  const resendDeps: ResendDeps = { ...o, submitter, tokens, approvals: startup.approvals, correlationOf: (id) => positions.get(id)?.intentId ?? id };

  ready.onReady(() => {
    for (const p of positions.values()) p.resume();
  });

  let recovered = false;
  const reconciliation = new ReconciliationActor({
    ...o,
    views,
    settled: () => settledAll(),
    onMatch: () => {
      for (const p of positions.values()) if (p.state === 'STALLED') p.confirmedByBroker();
    },
  });
  const hooks: TradeFlow['hooks'] = {
    onResync: async () => {
      await prices.ensure();
    },
    reconcile: async ({ trigger, resync }) => {
      if (resync) {
        // What the broker already said in this resync is in the book first: only true silence counts as "never arrived".
        await router.settled();
        const ended = await recordEndedOrders(resync, book, router);
        if (ended.length > 0) logger.warn({ orders: ended }, 'orders that ended at the broker while Phoenix was not listening');
        if (!recovered) {
          recovered = true;
          const report = await recoverUnacknowledged(resync, {
            book,
            router,
            logger,
            resendEntry: (id, tickets) => resendEntry(resendDeps, id, tickets),
            resendExit: (id, tickets) => resendExit(resendDeps, id, tickets),
          });
          if (report.found.length + report.resent.length + report.abandoned.length > 0) logger.warn(report, 'recovered orders written ahead before a restart');
        }
      }
      await reconciliation.run(trigger, resync);
      // S3.1 step 5, after the broker and the log were compared as they stand: carry on what was started.
      if (resync && o.broker.connection.connected) ready.markReady();
    },
  };

  const onBead: EntryHandler = (entry) => {
    if (entry.kind !== 'bead') return;
    const bead = entry.bead;
    views.apply(bead);
    noteForRestart(startup, bead);
    // The book hears its own writes at once; this catches what it could not (a fill a resync recorded before the flow listened).
    if (bead.bead_type === 'ORDER' || bead.bead_type === 'FILL') router.applyAndNotify(bead);
    if (bead.bead_type === 'APPROVAL' && bead.data.event === 'DECISION') approvals.get(bead.data.intent_id)?.decide(bead);
    const close = closeRequestOf(bead);
    if (close) positions.get(close.positionId)?.closeRequested(close.who);
  };
  const subscription: Subscription = log.subscribe(onBead, {
    urgent: true,
    ...(startup.checkpoint === undefined ? {} : { after: startup.checkpoint }),
    onError: (err) => logger.error({ err: err.message }, 'the trade flow stopped following the log'),
  });

  for (const pair of config.ACTIVE_PAIRS) await prices.watch(pair);
  reconciliation.start();
  const clockTimer = setInterval(
    () => {
      for (const a of approvals.values()) a.clock();
      for (const p of positions.values()) p.clock();
      for (const [id, a] of approvals) if (a.ended) void a.settled().then(() => approvals.delete(id));
    },
    Math.max(50, Math.min(1_000, 5_000 * config.TIME_SCALE)),
  );
  clockTimer.unref();

  const onReadyIntent = async (intent: Intent, bead: BeadOf<'INTENT'>): Promise<void> => {
    const id = intent.intent_id;
    if (approvals.has(id) || startup.approvals.byId.has(id)) return;
    // At-least-once delivery: an approval already on the log is this one, seen before.
    if ((await log.readStream(streams.approval(id), { limit: 1 })).length > 0) return;
    newApproval({
      intent,
      contentHash: bead.data.outcome === 'ACCEPTED' ? bead.data.content_hash : '',
    }).start();
  };
  let watcher: IntentWatcher | undefined;
  if (o.watchIntents !== false) {
    watcher = await startIntentWatcher({
      config,
      log,
      clock,
      logger: o.logger,
      onReadyIntent,
    });
  }

  async function settledAll(): Promise<void> {
    await router.settled();
    await Promise.all([...approvals.values()].map((a) => a.settled()));
    await Promise.all([...positions.values()].map((p) => p.settled()));
  }

  logger.info({ approvals: approvals.size, positions: positions.size }, 'trade flow started');
  return {
    views,
    book,
    hooks,
    approval: (id) => approvals.get(id),
    position: (id) => positions.get(id),
    onReadyIntent,
    reconcileNow: (trigger = 'MANUAL') => reconciliation.run(trigger),
    settled: settledAll,
    async stop() {
      clearInterval(clockTimer);
      await watcher?.stop();
      await subscription.stop();
      await reconciliation.stop();
      router.stop();
      await settledAll();
      for (const a of approvals.values()) a.stop();
      for (const p of positions.values()) p.stop();
    },
  };
}
