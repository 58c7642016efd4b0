import type { Bead } from '../../beads/index.ts';
import { type ApprovalsView, emptyApprovalsView, foldApprovals, isEnded } from '../../projections/approvals.ts';
import type { EventLog, LogPosition } from '../../store/port.ts';
import { type CloseRequest, closeRequestOf } from '../../beads/closeRequest.ts';
import type { FlowViews } from './flowViews.ts';
import type { OrderBook } from './orderBook.ts';

/**
 * The one pass over the log a starting flow makes: it folds every bead into
 * the flow's views and order book, and notes what a restart must pick up
 * (approvals not yet ended, close requests not yet acted on, tokens already
 * used). The live subscription then continues after the last position read.
 */
export interface StartupState {
  checkpoint: LogPosition | undefined;
  approvals: ApprovalsView;
  consumedTokens: Set<string>;
  /** The latest close request of each position that no later POSITION bead answered. */
  pendingCloses: Map<string, CloseRequest>;
}

export function noteForRestart(s: StartupState, bead: Bead): void {
  foldApprovals(s.approvals, bead);
  if (bead.bead_type === 'APPROVAL' && bead.data.event === 'CONSUMED' && bead.data.token_id) s.consumedTokens.add(bead.data.token_id);
  const close = closeRequestOf(bead);
  if (close) s.pendingCloses.set(close.positionId, close);
  // Any position transition after the request answers it: CLOSING, or an end that makes it moot.
  if (bead.bead_type === 'POSITION' && bead.data.state !== 'STALLED' && s.pendingCloses.has(bead.data.position_id)) {
    const state = bead.data.state;
    if (state === 'CLOSING' || state === 'CLOSED' || state === 'REJECTED' || state === 'CANCELLED') s.pendingCloses.delete(bead.data.position_id);
  }
}

export async function scanLog(log: EventLog, views: FlowViews, book: OrderBook): Promise<StartupState> {
  const s: StartupState = {
    checkpoint: undefined,
    approvals: emptyApprovalsView(),
    consumedTokens: new Set(),
    pendingCloses: new Map(),
  };
  for await (const entry of log.readAll()) {
    s.checkpoint = entry.position;
    if (entry.kind !== 'bead') continue;
    views.apply(entry.bead);
    book.apply(entry.bead);
    noteForRestart(s, entry.bead);
  }
  return s;
}

export function unfinishedApprovals(s: StartupState): string[] {
  return [...s.approvals.byId.values()].filter((r) => !isEnded(r.status)).map((r) => r.intent_id);
}
