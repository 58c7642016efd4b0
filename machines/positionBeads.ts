import { type BeadData, streams } from '../beads/index.ts';
import {
  formatReason,
  type PositionContext,
  type PositionEvent,
  type PositionPhase,
  PROGRESS_TIMEOUT_MS,
  type ProgressTimeout,
  type ReasonCode,
} from './positionVocabulary.ts';
import { autopsyOf, pnlAt } from './tradeArithmetic.ts';
import type { BeadEmitted } from './types.ts';

/**
 * What the position machine writes: the POSITION bead of each transition and
 * the AUTOPSY of a close. Kept apart from the machine so the machine file
 * reads as the S3.3 diagram.
 */

export function timeoutMs(context: Pick<PositionContext, 'timeScale'>, timeout: ProgressTimeout): number {
  return Math.max(1, Math.round(PROGRESS_TIMEOUT_MS[timeout] * context.timeScale));
}

const STALL_TIMEOUT: Record<'SUBMITTED' | 'PARTIAL' | 'FILLED' | 'CLOSING', ProgressTimeout> = {
  SUBMITTED: 'ack',
  PARTIAL: 'fill',
  FILLED: 'protection',
  CLOSING: 'closeFill',
};

const MISSING: Record<ProgressTimeout, string> = {
  ack: 'acknowledgement of the entry',
  fill: 'further entry fill',
  protection: 'working stop and target after the fill',
  closeFill: 'fill of the close',
};

export function stallDescription(context: PositionContext): string {
  const from = context.stalledFrom ?? 'SUBMITTED';
  const timeout = STALL_TIMEOUT[from];
  return `no ${MISSING[timeout]} within ${timeoutMs(context, timeout) / 1000} s (in ${from})`;
}

/** The bead's words: the event's own text where it has one, so replay can give it back. */
function reasonFor(code: ReasonCode, c: PositionContext, event: PositionEvent): string {
  switch (code) {
    case 'SUBMITTED':
      return formatReason(code, { entry: c.plannedEntry, scale: c.timeScale }, `${c.side} ${c.orderedQty} ${c.pair}, stop ${c.stop}, target ${c.target}`);
    case 'ACKNOWLEDGED':
      return formatReason(code, {}, 'the entry order is working at the broker');
    case 'ENTRY_FILLED':
      return formatReason(code, { filled: c.filledQty, avg: c.avgEntry ?? 0 }, `${c.filledQty} of ${c.orderedQty} filled`);
    case 'EXIT_FILLED':
      return formatReason(code, { filled: c.exitQty, avg: c.avgExit ?? 0, by: c.exitBy ?? 'BROKER' }, `${c.exitQty} of ${c.filledQty} closed`);
    case 'PROTECTION_WORKING':
      return formatReason(code, {}, 'stop and target are working at the broker');
    case 'CONFIRMED':
      return formatReason(code, {}, 'the broker shows the position as recorded');
    case 'STALLED':
      return formatReason(code, {}, stallDescription(c));
    case 'CLOSE_REQUESTED':
      return formatReason(code, {}, event.type === 'CLOSE_REQUESTED' ? event.by : '');
    case 'RESUMED':
      return formatReason(code, {}, 'carried on once the broker was connected and resynced');
    default:
      return formatReason(code, {}, 'reason' in event ? event.reason : '');
  }
}

/** What the POSITION bead's quantity means depends on the state: asked for, open, or traded. */
function quantityIn(state: PositionPhase, c: PositionContext): number {
  const unfilled = c.filledQty === 0;
  if (state === 'CLOSED') return c.filledQty;
  if (unfilled && (state === 'SUBMITTED' || state === 'REJECTED' || state === 'CANCELLED' || state === 'STALLED')) return c.orderedQty;
  return c.filledQty - c.exitQty;
}

export function unrealisedPnl(c: PositionContext): number | undefined {
  const open = c.filledQty - c.exitQty;
  if (c.mark === null || c.avgEntry === null || open <= 0) return undefined;
  return pnlAt(c.side, c.avgEntry, c.mark.price, open);
}

export function realisedPnl(c: PositionContext): number | undefined {
  if (c.exitQty === 0 || c.avgExit === null || c.avgEntry === null) return undefined;
  return pnlAt(c.side, c.avgEntry, c.avgExit, c.exitQty);
}

export function positionBead(c: PositionContext, state: PositionPhase, code: ReasonCode, event: PositionEvent): BeadEmitted {
  const realised = realisedPnl(c);
  const unrealised = state === 'CLOSED' ? undefined : unrealisedPnl(c);
  const data: BeadData<'POSITION'> = {
    position_id: c.positionId,
    state,
    pair: c.pair,
    side: c.side,
    quantity: quantityIn(state, c),
    stop: c.stop,
    target: c.target,
    reason: reasonFor(code, c, event),
    ...(code === 'SUBMITTED' ? {} : { previous_state: c.phase }),
    ...(c.avgEntry === null ? {} : { avg_price: c.avgEntry }),
    ...(realised === undefined ? {} : { realised_pnl: realised }),
    ...(unrealised === undefined ? {} : { unrealised_pnl: unrealised }),
  };
  return {
    type: 'bead',
    at: c.lastAt,
    draft: { bead_type: 'POSITION', stream: streams.position(c.positionId), correlation_id: c.intentId, data },
  };
}

/** The autopsy rides on the position's own stream, so `phoenix replay --stream position-<id>` tells the whole story. */
export function autopsyBead(c: PositionContext): BeadEmitted {
  const data = autopsyOf({
    positionId: c.positionId,
    pair: c.pair,
    side: c.side,
    quantity: c.filledQty,
    plannedEntry: c.plannedEntry,
    stop: c.stop,
    entryPrice: c.avgEntry ?? c.plannedEntry,
    exitPrice: c.avgExit ?? c.avgEntry ?? c.plannedEntry,
    openedAt: c.firstFillAt ?? c.submittedAt,
    closedAt: c.closedAt ?? c.lastAt,
    exitReason: c.exitBy ?? 'BROKER',
  });
  return {
    type: 'bead',
    at: c.lastAt,
    draft: { bead_type: 'AUTOPSY', stream: streams.position(c.positionId), correlation_id: c.intentId, data },
  };
}
