import type { BeadOf, Intent } from '../../beads/index.ts';
import { ProjectionEngine } from '../../runtime/projectionEngine.ts';
import type { BrokerHooks } from '../broker/connectionActor.ts';
import { type IntentWatcher, startIntentWatcher } from '../intents/index.ts';
import type { ApprovalActor } from './approvalActor.ts';
import { FlowActors } from './flowActors.ts';
import type { FlowDeps } from './flowDeps.ts';
import { buildFlowParts } from './flowParts.ts';
import { flowListener } from './flowFollower.ts';
import { flowBrokerHooksOf } from './flowRecovery.ts';
import { restoreApprovals, restorePositions } from './flowRestore.ts';
import { type FlowFolds, type FlowViews, registerFlowFolds } from './flowViews.ts';
import type { OrderBook } from './orderBook.ts';
import type { PositionActor } from './positionActor.ts';
import { ReconciliationActor, type Trigger } from './reconciliationActor.ts';

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
  /**
   * The host's projection engine, already caught up, with the flow's folds
   * registered on it before it read the log (registerFlowFolds). Absent (a
   * flow started alone), the flow runs an engine of its own.
   */
  projections?: { engine: ProjectionEngine; folds: FlowFolds };
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

/** An engine of the flow's own, caught up, for a flow started with no host around it. */
async function ownProjections(o: TradeFlowOptions): Promise<{ engine: ProjectionEngine; folds: FlowFolds }> {
  const engine = new ProjectionEngine({ log: o.writer.log, logger: o.logger, clock: o.clock });
  const folds = registerFlowFolds(engine);
  await engine.catchUp();
  return { engine, folds };
}

export async function startTradeFlow(o: TradeFlowOptions): Promise<TradeFlow> {
  let actors: FlowActors | undefined;
  const own = o.projections === undefined;
  const { engine, folds } = o.projections ?? (await ownProjections(o));
  const p = buildFlowParts(o, folds, (id) => actors?.positions.get(id)?.onFacts());
  const a = new FlowActors(p);
  actors = a;
  p.prices.onQuote((pair, q) => a.tick(pair, q.mid));
  const restorePorts = {
    log: p.writer.log,
    logger: p.logger,
    views: p.views,
    book: p.book,
    state: p.startup,
    newApproval: (start: Parameters<FlowActors['newApproval']>[0]) => a.newApproval(start),
    newPosition: (start: Parameters<FlowActors['newPosition']>[0]) => a.newPosition(start),
    timeScale: p.config.TIME_SCALE,
  };
  await restorePositions(restorePorts);
  await restoreApprovals(restorePorts);
  for (const [positionId, request] of p.startup.pendingCloses) a.positions.get(positionId)?.closeRequested(request.who);
  // S3.1 step 5: once the broker is connected, resynced and reconciled, every position carries on what it started.
  p.ready.onReady(() => {
    for (const position of a.positions.values()) position.resume();
  });
  const reconciliation = new ReconciliationActor({
    ...p,
    settled: () => a.settled(),
    onMatch: () => {
      for (const position of a.positions.values()) if (position.state === 'STALLED') position.confirmedByBroker();
    },
  });
  const hooks = flowBrokerHooksOf(p, a, reconciliation);
  const stopListening = engine.onLive(flowListener(p, a));
  if (own) engine.follow();
  for (const pair of p.config.ACTIVE_PAIRS) await p.prices.watch(pair);
  reconciliation.start();
  const clockTimer = setInterval(() => a.clock(), Math.max(50, Math.min(1_000, 5_000 * p.config.TIME_SCALE)));
  clockTimer.unref();
  const onReadyIntent = (intent: Intent, bead: BeadOf<'INTENT'>) => a.onReadyIntent(intent, bead);
  const watcher: IntentWatcher | undefined =
    o.watchIntents === false ? undefined : await startIntentWatcher({ config: p.config, log: p.writer.log, clock: p.clock, logger: o.logger, onReadyIntent });

  p.logger.info({ approvals: a.approvals.size, positions: a.positions.size }, 'trade flow started');
  return {
    views: p.views,
    book: p.book,
    hooks,
    approval: (id) => a.approvals.get(id),
    position: (id) => a.positions.get(id),
    onReadyIntent,
    reconcileNow: (trigger = 'MANUAL') => reconciliation.run(trigger),
    settled: () => a.settled(),
    async stop() {
      clearInterval(clockTimer);
      await watcher?.stop();
      stopListening();
      if (own) await engine.stop();
      await reconciliation.stop();
      p.router.stop();
      await a.settled();
      a.stop();
    },
  };
}
