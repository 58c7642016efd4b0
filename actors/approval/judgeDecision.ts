import { type BeadDraft, type BeadOf, type Mode, streams } from '../../beads/index.ts';
import type { OrderBinding } from '../../machines/approvalVocabulary.ts';
import { beadHash } from '../../runtime/chain/canonical.ts';
import { presenceMessage, verifyPresenceMac } from '../../runtime/operators/presence.ts';
import { decisionAct } from '../../runtime/orderBinding.ts';

/**
 * The host's judgement of a person's decision bead (issue 17). A decision
 * reaches the host as a bead someone wrote; before it counts, the host checks
 * that a person on an authenticated channel made it, for the order shown:
 *
 * - TELEGRAM: the host hears Telegram itself, so the bead must be one it
 *   sealed, by a user on TELEGRAM_ALLOWED_USER_IDS, and in LIVE an APPROVE
 *   must record the TOTP step the host took from the phone;
 * - TERMINAL: the bead carries the operator's proof, naming the person who
 *   decided; in LIVE an APPROVE's proof is the HMAC of a fresh TOTP code over
 *   this intent, this decision and this order, verified here against the
 *   operator's enrolled secret (the step is then used). PAPER and MOCK take
 *   the operator's name, as before: there the file's permissions are the
 *   guard.
 *
 * The answer is an ATTESTATION on the approval's stream; a refusal is also a
 * SECURITY bead. Only an accepted decision reaches the approval machine.
 */

export type DecisionVerdict = { ok: true; method: 'OPERATOR' | 'TOTP' | 'TELEGRAM'; operator: string; step?: number } | { ok: false; why: string };

export interface JudgeContext {
  mode: Mode;
  homeDir: string;
  allowedTelegramUsers: readonly string[];
  now: number;
  /** The bead is sealed by this host's chain (always true where no chain is kept: unit rigs). */
  sealed: boolean;
  /** The order shown, from the approval's evidence. */
  shown: OrderBinding | undefined;
}

export function judgeDecision(bead: BeadOf<'APPROVAL'>, c: JudgeContext): DecisionVerdict {
  const d = bead.data;
  const who = d.decided_by?.trim() ?? '';
  if (d.event !== 'DECISION' || !d.decision || !d.channel || who === '') return { ok: false, why: 'not a decision naming a person and a channel' };
  const approving = d.decision === 'APPROVE';
  if (d.channel === 'TELEGRAM') {
    if (!c.sealed) return { ok: false, why: 'a Telegram decision is heard by the host itself; this one was written into the log by something else' };
    const user = who.startsWith('telegram:') ? who.slice('telegram:'.length) : '';
    if (!c.allowedTelegramUsers.includes(user)) return { ok: false, why: `${who} is not on TELEGRAM_ALLOWED_USER_IDS` };
    if (c.mode === 'LIVE' && approving && (d.proof?.method !== 'TOTP' || d.proof.step === undefined)) return { ok: false, why: 'in LIVE a Telegram approval needs the confirm step and a TOTP code' };
    return { ok: true, method: d.proof?.method === 'TOTP' ? 'TOTP' : 'TELEGRAM', operator: d.proof?.operator ?? who, ...(d.proof?.step === undefined ? {} : { step: d.proof.step }) };
  }
  const proof = d.proof;
  if (!proof) return { ok: false, why: 'the decision carries no proof of who made it' };
  if (proof.operator !== who) return { ok: false, why: `the proof is ${proof.operator}'s, the decision claims ${who}` };
  if (c.mode === 'LIVE' && approving) {
    if (proof.method !== 'TOTP') return { ok: false, why: 'in LIVE an approval needs a fresh TOTP code (phoenix approve asks for it); --yes and scripts cannot approve' };
    const presence = verifyPresenceMac(c.homeDir, who, presenceMessage(...decisionAct(d.intent_id, d.decision, d.binding)), proof.mac, c.now);
    return presence.ok ? { ok: true, method: 'TOTP', operator: who, step: presence.step } : { ok: false, why: presence.why };
  }
  if (proof.method === 'TELEGRAM') return { ok: false, why: 'a terminal decision with a Telegram proof' };
  return { ok: true, method: proof.method, operator: who };
}

/** The host's answer, on the approval's own stream so that replay meets it right after the decision. */
export function attestationDraft(bead: BeadOf<'APPROVAL'>, verdict: DecisionVerdict): BeadDraft {
  return {
    bead_type: 'ATTESTATION',
    stream: bead.stream,
    correlation_id: bead.data.intent_id,
    causation_id: bead.bead_id,
    data: {
      subject_id: bead.bead_id,
      subject_type: 'APPROVAL',
      subject_hash: beadHash(bead),
      verdict: verdict.ok ? 'ACCEPTED' : 'REFUSED',
      method: verdict.ok ? verdict.method : (bead.data.proof?.method ?? 'NONE'),
      ...(verdict.ok ? { operator: verdict.operator } : bead.data.decided_by ? { operator: bead.data.decided_by } : {}),
      ...(verdict.ok && verdict.step !== undefined ? { step: verdict.step } : {}),
      ...(verdict.ok ? {} : { why: verdict.why }),
    },
  };
}

export function refusalDraft(bead: BeadOf<'APPROVAL'>, why: string): BeadDraft {
  return {
    bead_type: 'SECURITY',
    stream: streams.security,
    correlation_id: bead.data.intent_id,
    causation_id: bead.bead_id,
    data: { who: bead.data.decided_by ?? 'unknown', channel: bead.data.channel === 'TELEGRAM' ? 'TELEGRAM' : 'CLI', why: `decision refused: ${why}`, detail: `${bead.data.decision ?? '?'} on approval-${bead.data.intent_id}` },
  };
}
