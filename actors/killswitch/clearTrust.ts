import { type BeadDraft, type BeadOf, type Mode, streams } from '../../beads/index.ts';
import { beadHash } from '../../runtime/chain/canonical.ts';
import { isSealed } from '../../runtime/chain/seal.ts';
import { presenceMessage, verifyPresenceMac } from '../../runtime/operators/presence.ts';

/**
 * Who may clear the kill flag, as the host reads the `killswitch` stream
 * (issue 17). A SET always counts: anything may stop trading. A CLEARED
 * counts when the host wrote it (sealed in its chain), or, in PAPER and MOCK,
 * when an operator wrote it from the terminal (`cli:NAME` with NAME's
 * proof). A clear under a Telegram user's name that the host did not seal,
 * or any clear without its proof, counts for nothing, and the host answers
 * it with a SECURITY bead. In LIVE an operator's clear is a request: the
 * host verifies its TOTP proof and, if it holds, clears the flag itself.
 */

/** What a clear's TOTP proof covers: this person, this reason. */
export function clearAct(who: string, reason: string): string {
  return presenceMessage('CLEAR_KILL_FLAG', who, reason);
}

export function operatorOfClear(bead: BeadOf<'KILL_FLAG'>): { ok: true; operator: string } | { ok: false; why: string } {
  const { who, proof } = bead.data;
  if (!who.startsWith('cli:')) return { ok: false, why: `a clear by ${who} that the host did not write itself (Telegram reaches the host directly): not obeyed` };
  const name = who.slice('cli:'.length);
  if (!proof) return { ok: false, why: `a clear by ${who} without its proof: not obeyed` };
  if (proof.operator !== name || proof.method === 'TELEGRAM') return { ok: false, why: `a clear by ${who} with ${proof.operator}'s ${proof.method} proof: not obeyed` };
  return { ok: true, operator: name };
}

/** The host's rule for the replay; where the log keeps no chain (rigs in tests), every clear counts. */
export function clearCounts(mode: Mode, chained: boolean): (bead: BeadOf<'KILL_FLAG'>) => boolean {
  return (bead) => !chained || isSealed(bead) || (mode !== 'LIVE' && operatorOfClear(bead).ok);
}

export type ClearVerdict = { ok: true; operator: string; step?: number; method: 'OPERATOR' | 'TOTP' } | { ok: false; why: string };

/** A clear another process wrote, judged by the host that reads it. */
export function judgeClear(bead: BeadOf<'KILL_FLAG'>, c: { mode: Mode; homeDir: string | undefined; now: number }): ClearVerdict {
  const by = operatorOfClear(bead);
  if (!by.ok) return by;
  if (c.mode !== 'LIVE') return { ok: true, operator: by.operator, method: 'OPERATOR' };
  if (bead.data.proof?.method !== 'TOTP' || !c.homeDir) return { ok: false, why: 'in LIVE clearing the kill flag needs a fresh TOTP code (phoenix resume asks for it)' };
  const presence = verifyPresenceMac(c.homeDir, by.operator, clearAct(bead.data.who, bead.data.reason), bead.data.proof.mac, c.now);
  return presence.ok ? { ok: true, operator: by.operator, step: presence.step, method: 'TOTP' } : { ok: false, why: presence.why };
}

export function clearAnswerDrafts(bead: BeadOf<'KILL_FLAG'>, verdict: ClearVerdict): BeadDraft[] {
  const attestation: BeadDraft = {
    bead_type: 'ATTESTATION',
    stream: streams.attestations,
    correlation_id: bead.correlation_id,
    causation_id: bead.bead_id,
    data: {
      subject_id: bead.bead_id,
      subject_type: 'KILL_FLAG',
      subject_hash: beadHash(bead),
      verdict: verdict.ok ? 'ACCEPTED' : 'REFUSED',
      method: verdict.ok ? verdict.method : (bead.data.proof?.method ?? 'NONE'),
      operator: verdict.ok ? verdict.operator : bead.data.who,
      ...(verdict.ok && verdict.step !== undefined ? { step: verdict.step } : {}),
      ...(verdict.ok ? {} : { why: verdict.why }),
    },
  };
  if (verdict.ok) return [attestation];
  const security: BeadDraft = {
    bead_type: 'SECURITY',
    stream: streams.security,
    correlation_id: bead.correlation_id,
    causation_id: bead.bead_id,
    data: { who: bead.data.who, channel: bead.data.who.startsWith('telegram:') ? 'TELEGRAM' : 'CLI', why: `kill-flag clear refused: ${verdict.why}` },
  };
  return [attestation, security];
}
