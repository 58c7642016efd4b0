import type { Bead, BeadDraft } from './bead.ts';
import type { Pair } from './pairs.ts';
import { streams } from './streams.ts';

/**
 * `phoenix close <position>` reaches the host through the log (S9: the log is
 * the bus): an ORDER CANCEL_REQUESTED bead with role CLOSE on the position's
 * close-request stream, carrying who asked and why. It has no order id: it
 * is a request about the position's orders, not an order, so reconciliation's
 * working-order view passes it by. The host hears it through its
 * subscription and the position machine decides.
 */

export const closeRequestRef = (positionId: string) => `${positionId}-close-request`;

export interface CloseRequest {
  positionId: string;
  /** As whoOf writes it: `cli:alice`. */
  who: string;
  reason: string;
}

export function closeRequestDraft(r: CloseRequest & { intentId: string; pair: Pair }): BeadDraft {
  const ref = closeRequestRef(r.positionId);
  return {
    bead_type: 'ORDER',
    stream: streams.order(ref),
    correlation_id: r.intentId,
    data: {
      event: 'CANCEL_REQUESTED',
      order_ref: ref,
      role: 'CLOSE',
      position_id: r.positionId,
      pair: r.pair,
      reason: `${r.who}: ${r.reason}`,
    },
  };
}

export function closeRequestOf(bead: Bead): CloseRequest | undefined {
  if (bead.bead_type !== 'ORDER') return undefined;
  const d = bead.data;
  if (d.event !== 'CANCEL_REQUESTED' || d.role !== 'CLOSE' || d.order_id !== undefined || d.position_id === undefined) return undefined;
  if (d.order_ref !== closeRequestRef(d.position_id)) return undefined;
  const text = d.reason ?? '';
  const cut = text.indexOf(': ');
  return {
    positionId: d.position_id,
    who: cut === -1 ? text || 'unknown' : text.slice(0, cut),
    reason: cut === -1 ? '' : text.slice(cut + 2),
  };
}
