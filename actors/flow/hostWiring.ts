import type { KillSwitchEvent } from '../../machines/killswitch.ts';
import type { BrokerHooks } from '../broker/connectionActor.ts';
import type { KillSwitch } from '../killswitch/killSwitchActor.ts';
import type { KillSwitchPort } from './flowDeps.ts';
import type { TradeFlow } from './tradeFlow.ts';

/**
 * The two seams between the host and the trade flow. The broker starts
 * before the flow (the flow needs its connector), so the broker's hooks wait
 * for the flow to attach; and the flow asks the host's kill switch actor, the
 * one owner of the flag, to set it.
 */

export interface FlowBrokerHooks {
  hooks: BrokerHooks;
  /** The flow is up (or could not start: undefined), and the waiting hooks may run. */
  attach(flow: TradeFlow | undefined): void;
}

export function flowBrokerHooks(given: BrokerHooks = {}): FlowBrokerHooks {
  let attach: (flow: TradeFlow | undefined) => void = () => undefined;
  const ready = new Promise<TradeFlow | undefined>((resolve) => {
    attach = resolve;
  });
  return {
    attach,
    hooks: {
      ...given,
      onResync: async (result) => {
        await given.onResync?.(result);
        await (await ready)?.hooks.onResync(result);
      },
      reconcile: async (request) => {
        await given.reconcile?.(request);
        await (await ready)?.hooks.reconcile(request);
      },
    },
  };
}

export function killSwitchPortOf(k: KillSwitch): KillSwitchPort {
  return {
    flag: () => k.killFlag(),
    request: (e: KillSwitchEvent) => {
      switch (e.type) {
        case 'DRIFT_DETECTED':
          return k.driftDetected(e.reason, e.cause);
        case 'GUARD_VIOLATION':
          return k.guardViolation(e.reason, e.cause);
        case 'LOG_UNAVAILABLE':
          return k.logUnavailable(e.reason);
        case 'HALT':
          return k.halt(e.by, e.reason, e.cause);
        case 'CLEAR':
          // Clearing is a person's act at a boundary (phoenix resume, Telegram); the flow never asks for it.
          return Promise.resolve(undefined);
      }
    },
  };
}
