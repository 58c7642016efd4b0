import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Operator, readOperator, TOTP_PERIOD_S, totpOf, writeOperator } from './enrolment.ts';

/**
 * Human presence (issue 17): in LIVE, approving an order at the terminal,
 * clearing the kill flag and promoting to live each need a fresh TOTP code
 * from the operator's phone, verified by the host against the secret only
 * it can read. The code never travels in a bead: the CLI writes an HMAC keyed
 * with the code over the act itself (the order's binding, the clear's
 * reason), so a proof is good for that one act, and the host takes each
 * time step once, so a code is never used twice.
 */

export type PresenceVerdict = { ok: true; operator: string; step: number } | { ok: false; why: string };

/** The act a proof is about, as one line: what the code's HMAC covers. */
export function presenceMessage(act: string, ...parts: string[]): string {
  return ['phoenix-presence-v1', act, ...parts].join('|');
}

/** What the CLI writes into the bead: HMAC-SHA256 keyed with the code, never the code. */
export function presenceMac(code: string, message: string): string {
  return createHmac('sha256', code.trim()).update(message).digest('base64url');
}

/** The steps a code typed now may be from: the current one and one either side (clock drift, typing time). */
function candidateSteps(now: number): number[] {
  const step = Math.floor(now / 1000 / TOTP_PERIOD_S);
  return [step - 1, step, step + 1];
}

function consume(homeDir: string, op: Operator, step: number): PresenceVerdict {
  writeOperator(homeDir, { ...op, last_step: step });
  return { ok: true, operator: op.operator, step };
}

function enrolled(homeDir: string, operator: string): Operator | { why: string } {
  const op = readOperator(homeDir, operator);
  return op ?? { why: `${operator} is not enrolled: run phoenix operator enroll --as ${operator} on the host` };
}

/**
 * Verifies a proof an act carries: `mac` must be the HMAC of `message` keyed
 * with a code of `operator`'s for a step not yet used. The step is then used.
 */
export function verifyPresenceMac(homeDir: string, operator: string, message: string, mac: string | undefined, now: number): PresenceVerdict {
  if (!mac) return { ok: false, why: 'no TOTP proof: in LIVE this act needs a fresh code from the operator’s phone' };
  const op = enrolled(homeDir, operator);
  if ('why' in op) return { ok: false, why: op.why };
  const totp = totpOf(op);
  const given = Buffer.from(mac, 'base64url');
  let reused = false;
  for (const step of candidateSteps(now)) {
    const wanted = Buffer.from(presenceMac(totp.generate({ timestamp: step * TOTP_PERIOD_S * 1000 }), message), 'base64url');
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) continue;
    if (step <= op.last_step) {
      reused = true;
      continue;
    }
    return consume(homeDir, op, step);
  }
  return { ok: false, why: reused ? 'that code was already used: wait for the next one' : 'the TOTP proof does not match a current code of this operator (wrong or expired code, or another act)' };
}

/**
 * Verifies a code typed where the host can see it (the phone's reply, and
 * `phoenix promote --live`, which calls this): a current code of
 * `operator`'s, for a step not yet used. The step is then used.
 */
export function verifyOperatorCode(homeDir: string, operator: string, code: string, now: number): PresenceVerdict {
  if (!/^\d{6}$/.test(code.trim())) return { ok: false, why: 'a code is 6 digits' };
  const op = enrolled(homeDir, operator);
  if ('why' in op) return { ok: false, why: op.why };
  const totp = totpOf(op);
  let reused = false;
  for (const step of candidateSteps(now)) {
    if (totp.generate({ timestamp: step * TOTP_PERIOD_S * 1000 }) !== code.trim()) continue;
    if (step <= op.last_step) {
      reused = true;
      continue;
    }
    return consume(homeDir, op, step);
  }
  return { ok: false, why: reused ? 'that code was already used: wait for the next one' : 'wrong or expired code' };
}
