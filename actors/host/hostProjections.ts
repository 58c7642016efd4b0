import { alertOutboxFold, type BrokerFacts, brokerFactsFold, semanticFold } from '../../projections/hostFolds.ts';
import type { SemanticView } from '../../projections/semanticChecks.ts';
import type { Clock } from '../../runtime/clock.ts';
import { liveGateFold, type LiveGateFoldState } from '../../runtime/chain/liveGateFold.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';
import { checkpointPath, fileCheckpoints } from '../../runtime/projectionCheckpoint.ts';
import { ProjectionEngine } from '../../runtime/projectionEngine.ts';
import type { EventLog } from '../../store/port.ts';
import { type FlowFolds, registerFlowFolds } from '../flow/flowViews.ts';
import { PHOENIX_VERSION } from './version.ts';

/**
 * The host's one projection engine (issue 15) with the folds the host itself
 * reads registered on it: the broker's facts, the semantic checks' view and
 * the trade flow's views. The dashboard and the promotion actor register
 * theirs before the engine catches up; then one read of the log (from the
 * checkpoint, when one holds) feeds them all, and one subscription after.
 * The checkpoint is a file under PHOENIX_HOME signed with the chain key (see
 * runtime/projectionCheckpoint.ts for why a file and not the log).
 */
export interface HostProjections {
  engine: ProjectionEngine;
  brokerFacts(): BrokerFacts;
  semantic(): SemanticView;
  flow: FlowFolds;
  /** The bead of the oldest alert this host still owes, where the outbox's restore begins (alertsTail.ts). */
  oldestOwedAlert(): string | undefined;
  /** LIVE only: the live gate's evidence judged on the chain from the same read (liveGateNow reads it). */
  liveGate?(): LiveGateFoldState;
}

export function hostProjections(o: { config: Config; log: EventLog; logger: Logger; clock: Clock; chainKey: Buffer }): HostProjections {
  const engine = new ProjectionEngine({
    log: o.log,
    logger: o.logger,
    clock: o.clock,
    checkpoints: fileCheckpoints(checkpointPath(o.config.homeDir, o.config.PHOENIX_HOST_ID), o.chainKey),
    codeVersion: PHOENIX_VERSION,
  });
  const facts = engine.fold(brokerFactsFold);
  const semantic = engine.fold(semanticFold);
  const flow = registerFlowFolds(engine);
  const owed = engine.fold(alertOutboxFold(o.config.PHOENIX_HOST_ID));
  // Issue 15 Done-when 3: LIVE judges its gate on sealed evidence from this read, not from a read of its own.
  const live = o.config.mode === 'LIVE' ? engine.fold(liveGateFold(o.chainKey)) : undefined;
  return {
    engine,
    brokerFacts: () => facts.state,
    semantic: () => semantic.state,
    flow,
    oldestOwedAlert: () => owed.state.values().next().value,
    ...(live ? { liveGate: () => live.state } : {}),
  };
}
