import { type Bead, intentSide, streams } from '../../beads/index.ts';
import { type ApprovalSnapshot, replayApproval } from '../../machines/approvalReplay.ts';
import type { PositionInput } from '../../machines/position.ts';
import { replayPosition } from '../../machines/positionReplay.ts';
import { approvalRecord } from '../../projections/approvals.ts';
import { openPositions } from '../../projections/positions.ts';
import type { EventLog } from '../../store/port.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { ApprovalActor } from './approvalActor.ts';
import type { FlowViews } from './flowViews.ts';
import type { OrderBook } from './orderBook.ts';
import type { PositionActor, PositionStart } from './positionActor.ts';
import { type StartupState, unfinishedApprovals } from './startupScan.ts';

/**
 * What a restarted host picks up from the log: every approval and position
 * that had not ended, rebuilt by replaying its stream; a bracket that was
 * written ahead but whose position never started (the host died in between);
 * and close requests nobody acted on. Machines rebuilt this way continue
 * from the state replay reaches; facts the broker reports from now on move
 * them, and recovery (crashRecovery.ts) looks up what was never acknowledged.
 */

export interface RestorePorts {
  log: EventLog;
  logger: Logger;
  views: FlowViews;
  book: OrderBook;
  state: StartupState;
  newApproval(start: { snapshot: ApprovalSnapshot; decisions: readonly Bead[] }): ApprovalActor;
  newPosition(start: PositionStart): PositionActor;
  timeScale: number;
}

async function streamBeads(log: EventLog, stream: string): Promise<Bead[]> {
  return (await log.readStream(stream)).flatMap((e) => (e.kind === 'bead' ? [e.bead] : []));
}

export async function restorePositions(p: RestorePorts): Promise<PositionActor[]> {
  const restored: PositionActor[] = [];
  for (const record of openPositions(p.views.positions)) {
    const { snapshot, anomalies } = replayPosition(await streamBeads(p.log, streams.position(record.position_id)));
    if (anomalies.length > 0) p.logger.warn({ position: record.position_id, anomalies }, 'position stream replayed with anomalies');
    if (snapshot.status === 'done' || snapshot.context.positionId !== record.position_id) continue;
    const actor = p.newPosition({ snapshot });
    actor.start();
    restored.push(actor);
  }
  // A bracket written ahead whose position never began: the host died between the write-ahead and the position's first bead.
  for (const input of approvalsWithOrphanEntries(p)) {
    const actor = p.newPosition({ input });
    actor.start();
    restored.push(actor);
  }
  return restored;
}

function approvalsWithOrphanEntries(p: RestorePorts): PositionInput[] {
  const inputs: PositionInput[] = [];
  const seen = new Set<string>();
  for (const id of p.state.approvals.byId.keys()) {
    const entry = p.book.ordersOf(id).find((o) => o.role === 'ENTRY');
    const intent = approvalRecord(p.state.approvals, id)?.intent;
    if (!entry || !intent || p.views.positions.byId.has(entry.positionId) || seen.has(entry.positionId)) continue;
    seen.add(entry.positionId);
    inputs.push({
      positionId: entry.positionId,
      intentId: intent.intent_id,
      pair: intent.pair,
      side: intentSide(intent),
      quantity: entry.quantity,
      plannedEntry: intent.entry,
      stop: intent.stop,
      target: intent.target,
      submittedAt: entry.requestedAt,
      timeScale: p.timeScale,
    });
  }
  return inputs;
}

export async function restoreApprovals(p: RestorePorts): Promise<ApprovalActor[]> {
  const restored: ApprovalActor[] = [];
  for (const intentId of unfinishedApprovals(p.state)) {
    const beads = await streamBeads(p.log, streams.approval(intentId));
    const { snapshot, anomalies } = replayApproval(beads);
    if (anomalies.length > 0) p.logger.warn({ intentId, anomalies }, 'approval stream replayed with anomalies');
    if (snapshot.status === 'done' || snapshot.context.intentId !== intentId) continue;
    const decisions = beads.filter((b) => b.bead_type === 'APPROVAL' && b.data.event === 'DECISION');
    const actor = p.newApproval({ snapshot, decisions });
    actor.start();
    // The token was redeemed and the bracket written ahead before the host stopped: the token is used, whatever the broker got.
    if (snapshot.matches({ APPROVED: 'tokenIssued' }) && p.book.ordersOf(intentId).some((o) => o.role === 'ENTRY')) {
      actor.consumedBeforeRestart('the bracket was written ahead before the host stopped; recovery looks it up at the broker');
    }
    restored.push(actor);
  }
  return restored;
}
