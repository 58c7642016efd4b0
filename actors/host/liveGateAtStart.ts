import type { Config } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';
import { liveGateNow, type LiveGateFoldState } from '../../runtime/chain/liveGateFold.ts';
import { paperGatesHold } from '../../projections/gates.ts';
import type { LiveGateVerdict } from '../../projections/liveGate.ts';
import { runbookInputs } from '../gates/runbookInputs.ts';
import { standingOptions } from '../promotion/promotionActor.ts';

/** LIVE with the live gate shut (refuseShutLiveGate): the host stopped after its read of the log, before any order path; `phoenix run` exits 3. */
export class LiveGateShutError extends Error {
  override readonly name = 'LiveGateShutError';
  constructor(readonly verdict: LiveGateVerdict) {
    super(`the live gate is shut: ${verdict.missing.join('; ')}`);
  }
}

export interface LiveGateAtStart {
  /** Whether the paper gates hold on sealed evidence: the broker's paper-first guard asks it (S4.1). */
  paperHolds: boolean;
}

/**
 * Issue 17, from issue 15's one read: LIVE starts only on paper evidence the
 * chain proves, tied to the paper account's executions. Judged once, from
 * the engine's fold, after its catch-up: no second read of the log. With
 * `refuse`, a shut live gate stops the host here, before anything that could
 * place an order has started (`stopBeforeOrders` undoes what has).
 */
export async function judgeLiveGateAtStart(
  fold: LiveGateFoldState,
  o: { config: Config; logger: Logger; refuse: boolean; stopBeforeOrders: (reason: string) => Promise<void> },
): Promise<LiveGateAtStart> {
  const chained = liveGateNow(fold, { runbooks: runbookInputs() }, { windowMs: standingOptions(o.config).windowMs });
  if (chained.live && !chained.live.open && o.refuse) {
    o.logger.info({ unproven: chained.unproven, missing: chained.live.missing }, 'the live gate is shut on sealed evidence: live may not start; stopping before any order path');
    await o.stopBeforeOrders('live gate shut');
    throw new LiveGateShutError(chained.live);
  }
  const paperHolds = paperGatesHold(chained.gates);
  if (!paperHolds) o.logger.error({ unproven: chained.unproven, notMet: chained.gates.filter((g) => g.status !== 'MET').map((g) => g.id) }, 'the paper gates do not hold on sealed evidence: live may not start');
  return { paperHolds };
}
