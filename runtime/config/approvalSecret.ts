import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError, withApprovalTokenSecret } from './load.ts';

/** Where mock mode keeps the approval secret it made, under PHOENIX_HOME. */
export const APPROVAL_SECRET_FILE = 'approval-token.secret';

export const MAKE_A_SECRET = 'make one with `openssl rand -hex 32` and put it in .env as APPROVAL_TOKEN_SECRET=…';

export type ApprovalSecretSource =
  | { from: 'environment' }
  | { from: 'file'; path: string; created: boolean };

/**
 * The host's approval secret (S14: tokens are HMAC-signed). Paper and live
 * need APPROVAL_TOKEN_SECRET: without it every approval would end REJECTED, so
 * the host refuses to start. Mock mode, the no-configuration start, makes a
 * random secret once and keeps it in PHOENIX_HOME/approval-token.secret (mode
 * 0600), so approvals work out of the box and survive a restart.
 */
export function ensureApprovalSecret(config: Config): { config: Config; source: ApprovalSecretSource } {
  if (config.APPROVAL_TOKEN_SECRET) return { config, source: { from: 'environment' } };
  if (config.mode !== 'MOCK') {
    throw new ConfigError([`APPROVAL_TOKEN_SECRET: not set; IBKR_MODE=${config.IBKR_MODE} needs it to sign approval tokens (without it every approval is refused): ${MAKE_A_SECRET}`]);
  }
  const path = join(config.homeDir, APPROVAL_SECRET_FILE);
  const created = createOnce(path);
  return { config: withApprovalTokenSecret(config, readSecret(path)), source: { from: 'file', path, created } };
}

/** Creates the file with a fresh secret unless it exists. Atomic: another process sees no file or a whole one. */
function createOnce(path: string): boolean {
  if (exists(path)) return false;
  mkdirSync(join(path, '..'), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path); // fails with EEXIST rather than replace a secret another start made first
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temp);
  }
}

function readSecret(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError([`${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it, or delete it and a new secret is made`]);
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 32) {
    throw new ConfigError([`${path} does not hold a usable approval secret (at least 32 characters): delete it and a new one is made, or set APPROVAL_TOKEN_SECRET`]);
  }
  return secret;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
