import { type Bead, type BeadOf, streams } from '../../beads/index.ts';
import type { ApprovalEvent, OrderBinding } from '../../machines/approval.ts';
import { decisionEventOf, unansweredDecisions } from '../../machines/approvalReplay.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { isSealed } from '../../runtime/chain/seal.ts';
import { attestationDraft, judgeDecision, refusalDraft } from '../approval/judgeDecision.ts';
import type { ApprovalActorDeps } from './approvalDeps.ts';

/**
 * How the approval actor hears a person's decision (issue 17): it judges the
 * bead (actors/approval/judgeDecision.ts), answers it on the approval's
 * stream with an ATTESTATION (and a SECURITY bead when it refuses), and only
 * then hands an accepted one to the machine. After a restart it judges the
 * decisions nobody answered, and it finds an answered one's ATTESTATION in
 * the log before it mints from it.
 */

export interface DecisionPorts {
  intentId: string;
  deps: ApprovalActorDeps;
  ended(): boolean;
  shown(): OrderBinding | undefined;
  decisions: Map<string, Bead>;
  accepted: Map<string, string>;
  send(event: ApprovalEvent): void;
}

/** A bead this host sealed; where the log keeps no chain (rigs in tests), every bead counts as the host's. */
export function provenHere(deps: ApprovalActorDeps, bead: Bead): boolean {
  return !(deps.writer.log instanceof ChainedLog) || isSealed(bead);
}

export async function judgeAndAnswer(p: DecisionPorts, bead: BeadOf<'APPROVAL'>): Promise<void> {
  if (p.ended()) return;
  const { config, clock, writer, logger } = p.deps;
  const verdict = judgeDecision(bead, {
    mode: config.mode,
    homeDir: config.homeDir,
    allowedTelegramUsers: config.TELEGRAM_ALLOWED_USER_IDS,
    now: clock.now(),
    sealed: provenHere(p.deps, bead),
    shown: p.shown(),
  });
  const [attestation] = (await writer.write(attestationDraft(bead, verdict))).beads;
  if (!verdict.ok) {
    logger.warn({ intent: p.intentId, by: bead.data.decided_by, channel: bead.data.channel }, `SECURITY: decision refused: ${verdict.why}`);
    await writer.write(refusalDraft(bead, verdict.why));
    return;
  }
  p.accepted.set(bead.bead_id, attestation!.bead_id);
  const event = decisionEventOf(bead);
  if (event) p.send(event);
}

async function streamBeads(p: DecisionPorts): Promise<Bead[]> {
  return (await p.deps.writer.log.readStream(streams.approval(p.intentId))).flatMap((e) => (e.kind === 'bead' ? [e.bead] : []));
}

/** After a restart: decisions written while the host was down (or before it answered). */
export async function unansweredOf(p: DecisionPorts): Promise<BeadOf<'APPROVAL'>[]> {
  return unansweredDecisions(await streamBeads(p));
}

/** The decision and the host's ATTESTATION ACCEPTED of it: from this run, or (after a restart) from the log. */
export async function acceptedDecisionOf(p: DecisionPorts, decisionBeadId: string): Promise<{ bead: Bead; attestationId: string } | undefined> {
  const known = p.accepted.get(decisionBeadId);
  const remembered = p.decisions.get(decisionBeadId);
  if (known && remembered) return { bead: remembered, attestationId: known };
  const beads = await streamBeads(p);
  const bead = beads.find((b) => b.bead_id === decisionBeadId);
  const attestation = beads.find((b) => b.bead_type === 'ATTESTATION' && b.data.subject_id === decisionBeadId && b.data.verdict === 'ACCEPTED' && provenHere(p.deps, b));
  return bead && attestation ? { bead, attestationId: attestation.bead_id } : undefined;
}
