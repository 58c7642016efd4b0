import type { BeadOf } from '../beads/index.ts';
import { isoMillis } from './isoMillis.ts';

/**
 * P1-7 UX_VALIDATED (S11, INV-UX-APPROVAL-1): the operator's recorded
 * confirmation (`phoenix gates confirm-ux`), and the paper approval flows in
 * the log timed under 30 s, human time included. A flow runs from the intent
 * file seen (APPROVAL RECEIVED) to the entry order sent (APPROVAL CONSUMED
 * with no reason: the token paid for a bracket that went out).
 */

export const UX_FLOW_LIMIT_MS = 30_000;

export interface ApprovalFlow {
  intentId: string;
  ms: number;
  /** The CONSUMED bead: when the entry went out. */
  bead: string;
  /** When the intent file was seen (RECEIVED) and when the entry went out (CONSUMED). */
  seenAt: string;
  at: string;
}

export interface UxState {
  receivedAt: Map<string, number>;
  flows: ApprovalFlow[];
  confirmation?: { bead: string; who: string; note: string; at: string };
}

export function initialUx(): UxState {
  return { receivedAt: new Map(), flows: [] };
}

export function foldUxApproval(s: UxState, bead: BeadOf<'APPROVAL'>): void {
  if (bead.mode !== 'PAPER') return;
  const d = bead.data;
  if (d.event === 'RECEIVED') {
    // The first sighting: a restarted host that reads the file again does not restart the clock.
    if (!s.receivedAt.has(d.intent_id)) s.receivedAt.set(d.intent_id, isoMillis(bead.ts));
    return;
  }
  const seen = s.receivedAt.get(d.intent_id);
  if (seen === undefined) return;
  if (d.event === 'CONSUMED' && !d.reason) {
    s.flows.push({ intentId: d.intent_id, ms: isoMillis(bead.ts) - seen, bead: bead.bead_id, seenAt: new Date(seen).toISOString(), at: bead.ts });
  }
  if (['CONSUMED', 'EXPIRED', 'STATE_CONFLICT', 'REJECTED'].includes(d.event)) s.receivedAt.delete(d.intent_id);
}

export function foldUxConfirmation(s: UxState, bead: BeadOf<'UX_CONFIRMATION'>): void {
  s.confirmation = { bead: bead.bead_id, who: bead.data.who, note: bead.data.note, at: bead.ts };
}

export interface FlowStats {
  count: number;
  medianMs?: number;
  slowest?: ApprovalFlow;
  overLimit: ApprovalFlow[];
}

export function flowStats(flows: readonly ApprovalFlow[]): FlowStats {
  if (flows.length === 0) return { count: 0, overLimit: [] };
  const sorted = [...flows].sort((a, b) => a.ms - b.ms);
  const mid = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 === 1 ? sorted[mid]!.ms : (sorted[mid - 1]!.ms + sorted[mid]!.ms) / 2;
  return { count: flows.length, medianMs, slowest: sorted.at(-1)!, overLimit: sorted.filter((f) => f.ms >= UX_FLOW_LIMIT_MS) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function uxVerdict(s: UxState): { met: boolean; detail: string; evidence: string[] } {
  const stats = flowStats(s.flows);
  const timing =
    stats.count === 0
      ? 'no paper approval flow timed yet (intent file seen → entry order sent)'
      : `${stats.count} paper approval flow${stats.count === 1 ? '' : 's'}: median ${seconds(stats.medianMs!)}, slowest ${seconds(stats.slowest!.ms)} (${stats.slowest!.intentId})${stats.overLimit.length ? `; ${stats.overLimit.length} at or over 30 s` : ', all under 30 s'}`;
  const confirmed = s.confirmation ? `confirmed by ${s.confirmation.who}` : 'no operator confirmation yet (phoenix gates confirm-ux --note TEXT)';
  const met = s.confirmation !== undefined && stats.count > 0 && stats.overLimit.length === 0;
  const evidence = [...(s.confirmation ? [s.confirmation.bead] : []), ...(stats.slowest ? [stats.slowest.bead] : [])];
  return { met, detail: `${confirmed}; ${timing}`, evidence };
}
