import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { z } from 'zod';
import { OPERATOR_NAME } from '../config/schema.ts';

/**
 * Operators enrolled for presence in LIVE (issue 17): one file per person
 * under PHOENIX_HOME/operators/, mode 0600 in a 0700 folder, readable only by
 * the host's user. It holds the person's TOTP secret, their Telegram user id
 * if they approve from the phone, and the last TOTP time step the host
 * accepted from them, so a code is never taken twice. `phoenix operator
 * enroll` writes it; the host (and `phoenix promote --live`) read it.
 */

export const OPERATORS_DIR = 'operators';
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;

const OperatorFile = z.object({
  operator: z.string().regex(OPERATOR_NAME),
  totp_secret: z.string().min(16),
  enrolled_at: z.string(),
  telegram_user_id: z.string().optional(),
  last_step: z.number().int().min(0).default(0),
});

export type Operator = z.output<typeof OperatorFile>;

export class EnrolmentError extends Error {
  override readonly name = 'EnrolmentError';
}

export function operatorPath(homeDir: string, operator: string): string {
  if (!OPERATOR_NAME.test(operator)) throw new EnrolmentError(`not an operator name: ${JSON.stringify(operator)}`);
  return join(homeDir, OPERATORS_DIR, `${operator}.json`);
}

export function totpOf(op: Pick<Operator, 'operator' | 'totp_secret'>): TOTP {
  return new TOTP({ issuer: 'Phoenix', label: op.operator, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S, secret: Secret.fromBase32(op.totp_secret) });
}

export function readOperator(homeDir: string, operator: string): Operator | undefined {
  const path = operatorPath(homeDir, operator);
  if (!existsSync(path)) return undefined;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new EnrolmentError(`${path} is readable by others (mode ${mode.toString(8)}): chmod 600 it, and enrol again (the secret may have been read)`);
  const parsed = OperatorFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new EnrolmentError(`${path} is not an operator file: enrol again`);
  return parsed.data;
}

/** The operator a Telegram user id was enrolled with, if any. */
export function operatorOfTelegramUser(homeDir: string, userId: string): Operator | undefined {
  const dir = join(homeDir, OPERATORS_DIR);
  if (!existsSync(dir)) return undefined;
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    const op = readOperator(homeDir, file.slice(0, -5));
    if (op?.telegram_user_id === userId) return op;
  }
  return undefined;
}

/** Writes the whole file again, atomically (a temp file renamed over it), 0600. */
export function writeOperator(homeDir: string, op: Operator): void {
  const path = operatorPath(homeDir, op.operator);
  mkdirSync(join(homeDir, OPERATORS_DIR), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(op, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** A new secret for `operator` (20 random bytes, base32), written 0600; refuses to replace one unless `replace`. */
export function enrol(homeDir: string, operator: string, o: { telegramUserId?: string; replace?: boolean; now: number }): Operator {
  if (readOperator(homeDir, operator) && !o.replace) throw new EnrolmentError(`${operator} is already enrolled: pass --replace to make a new secret (the old one stops working)`);
  const op: Operator = {
    operator,
    totp_secret: new Secret({ size: 20 }).base32,
    enrolled_at: new Date(o.now).toISOString(),
    ...(o.telegramUserId === undefined ? {} : { telegram_user_id: o.telegramUserId }),
    last_step: 0,
  };
  writeOperator(homeDir, op);
  return op;
}
