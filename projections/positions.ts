import type { Bead, BeadOf, BeadType, Mode } from '../beads/index.ts';
import { pnlAt } from '../machines/tradeArithmetic.ts';
import type { ReconPosition } from './reconciliation.ts';

/**
 * Every position as its POSITION beads tell it: the view the evidence bundle
 * lists, `phoenix close` looks up, and reconciliation compares with the
 * broker. A fold in place, like the intents view: replaying a long log
 * copies nothing.
 */

type PositionData = BeadOf<'POSITION'>['data'];

export interface PositionRecord {
  position_id: string;
  /** The intent the position came from: every bead of its story carries it. */
  intent_id: string;
  state: PositionData['state'];
  pair: PositionData['pair'];
  side: PositionData['side'];
  /** As the latest bead has it: ordered before any fill, open while held, traded once CLOSED. */
  quantity: number;
  /** Set once anything filled. */
  avg_price?: number;
  stop: number;
  target: number;
  unrealised_pnl?: number;
  realised_pnl?: number;
  reason?: string;
  mode: Mode;
  opened_at: string;
  updated_at: string;
  /** The autopsy's exit reason, once CLOSED. */
  exit_reason?: string;
}

export interface PositionsView {
  byId: Map<string, PositionRecord>;
}

export const ENDED_POSITION_STATES: ReadonlySet<string> = new Set(['CLOSED', 'REJECTED', 'CANCELLED']);

export function emptyPositionsView(): PositionsView {
  return { byId: new Map() };
}

/** The bead types foldPositions reads. */
export const POSITIONS_READS = ['POSITION', 'AUTOPSY'] as const satisfies readonly BeadType[];

export function foldPositions(view: PositionsView, bead: Bead): PositionsView {
  if (bead.bead_type === 'POSITION') {
    const d = bead.data;
    const before = view.byId.get(d.position_id);
    const record: PositionRecord = {
      position_id: d.position_id,
      intent_id: bead.correlation_id,
      state: d.state,
      pair: d.pair,
      side: d.side,
      quantity: d.quantity,
      stop: d.stop,
      target: d.target,
      mode: bead.mode,
      opened_at: before?.opened_at ?? bead.ts,
      updated_at: bead.ts,
    };
    // Assigned, not spread in: conditional spreads cost a temporary object each, on every POSITION bead of a replay.
    if (d.avg_price !== undefined) record.avg_price = d.avg_price;
    if (d.unrealised_pnl !== undefined) record.unrealised_pnl = d.unrealised_pnl;
    if (d.realised_pnl !== undefined) record.realised_pnl = d.realised_pnl;
    if (d.reason !== undefined) record.reason = d.reason;
    view.byId.set(d.position_id, record);
  } else if (bead.bead_type === 'AUTOPSY') {
    const record = view.byId.get(bead.data.position_id);
    if (record) record.exit_reason = bead.data.exit_reason;
  }
  return view;
}

export function foldAllPositions(beads: Iterable<Bead>, into: PositionsView = emptyPositionsView()): PositionsView {
  for (const bead of beads) foldPositions(into, bead);
  return into;
}

export function openPositions(view: PositionsView): PositionRecord[] {
  return [...view.byId.values()].filter((p) => !ENDED_POSITION_STATES.has(p.state));
}

/** Whether the position holds units: something filled, and it has not ended. */
export function holdsUnits(p: PositionRecord): boolean {
  return p.avg_price !== undefined && !ENDED_POSITION_STATES.has(p.state) && p.quantity > 0;
}

/** The log's side of the position comparison: open units, signed (long +, short −). */
export function localReconPositions(view: PositionsView): ReconPosition[] {
  return openPositions(view)
    .filter(holdsUnits)
    .map((p) => ({ pair: p.pair, quantity: p.side === 'LONG' ? p.quantity : -p.quantity, ...(p.avg_price === undefined ? {} : { avg_price: p.avg_price }) }));
}

/**
 * Paper P&L from a tick: what the open units would make at `price`. The
 * position machine keeps the same figure in its context between beads; this
 * is the same sum for a view that has only the log and a price.
 */
export function markToMarket(p: PositionRecord, price: number): number | undefined {
  if (!holdsUnits(p) || p.avg_price === undefined) return undefined;
  return pnlAt(p.side, p.avg_price, price, p.quantity);
}
