import { stallDescription } from './positionBeads.ts';
import { type PositionAlertRequest, type PositionContext, type PositionEvent, STALL_WARNING_MS } from './positionVocabulary.ts';

/**
 * What the position machine tells the operator, worded for a phone: each
 * alert names the position and its size, and the unprotected ones say so in
 * capitals and point to RB-014.
 */

const alert = (c: PositionContext, alertType: PositionAlertRequest['alertType'], message: string, dedupeKey: string): PositionAlertRequest => ({
  type: 'alert',
  alertType,
  message,
  dedupeKey,
  correlationId: c.intentId,
});

/** "LONG 20000 EURUSD open", or what was ordered while nothing is. */
export function openSize(c: PositionContext): string {
  const open = c.filledQty - c.exitQty;
  return `${c.side} ${open > 0 ? open : c.orderedQty} ${c.pair}${open > 0 ? ' open' : ' ordered'}`;
}

export function rejectedAlert(c: PositionContext): PositionAlertRequest {
  const why = c.endReason ?? 'no reason given';
  return alert(c, 'ORDER_REJECTED', `Entry for position ${c.positionId} (${c.side} ${c.orderedQty} ${c.pair}) rejected by the broker: ${why}`, `ORDER_REJECTED:${c.positionId}`);
}

export function stalledAlert(c: PositionContext): PositionAlertRequest {
  const seconds = Math.round((STALL_WARNING_MS * c.timeScale) / 1000);
  return alert(c, 'POSITION_STALLED', `Position ${c.positionId} (${c.pair}) stalled for ${seconds} s: ${stallDescription(c)}. Follow RB-003.`, `POSITION_STALLED:${c.positionId}`);
}

export function unprotectedAlert(c: PositionContext, why: string): PositionAlertRequest {
  const message = `Position ${c.positionId} (${openSize(c)}) is open at the broker WITHOUT a working stop: ${why}. Phoenix is putting the stop back; follow RB-014.`;
  return alert(c, 'POSITION_UNPROTECTED', message, `POSITION_UNPROTECTED:${c.positionId}`);
}

/** A stall in FILLED or CLOSING may leave the position without a stop; other stalls wait for the WARNING. */
export function stalledUnprotectedAlert(c: PositionContext): PositionAlertRequest | undefined {
  if (c.stalledFrom !== 'FILLED' && c.stalledFrom !== 'CLOSING') return undefined;
  const why = c.stalledFrom === 'CLOSING' ? 'its close has not filled and its stop and target were cancelled for it' : 'its stop and target are not working';
  const message = `Position ${c.positionId} (${openSize(c)}) STALLED in ${c.stalledFrom} and may be open WITHOUT a stop: ${why} (${stallDescription(c)}). Follow RB-014.`;
  return alert(c, 'POSITION_UNPROTECTED', message, `POSITION_UNPROTECTED:${c.positionId}`);
}

export function closeFailedAlert(c: PositionContext, event: PositionEvent): PositionAlertRequest {
  const protectedNow = event.type === 'CLOSE_FAILED' && event.protectionWorking;
  const reason = event.type === 'CLOSE_FAILED' ? event.reason : 'unknown';
  const state = protectedNow ? 'protected: its stop and target are working' : 'NOT protected: Phoenix is putting its stop back';
  const message = `The close of position ${c.positionId} (${openSize(c)}) could not be finished: ${reason}. It is still open and ${state}. Follow RB-014.`;
  return alert(c, 'CLOSE_FAILED', message, `CLOSE_FAILED:${c.positionId}:${c.lastAt}`);
}
