import { type HumanActor, whoOf } from '../../machines/types.ts';
import { UsageError } from '../command.ts';

/**
 * Who is at the terminal: `--as NAME`, else the login name. Beads record it
 * as `cli:<name>`, the same spelling the kill switch machine reads back.
 */
export function operatorOf(as: string | undefined, env: Record<string, string | undefined>): HumanActor {
  const name = (as ?? env.USER ?? env.LOGNAME ?? 'operator').trim();
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new UsageError(`--as must be a plain name (letters, digits, . _ @ -), got ${JSON.stringify(as ?? name)}`);
  return { kind: 'human', channel: 'CLI', id: name };
}

export const cliWho = (as: string | undefined, env: Record<string, string | undefined>) => whoOf(operatorOf(as, env));

/** A reason is what the next person reads in the log: blank ones are refused at the boundary. */
export function requiredReason(reason: string | undefined, why: string): string {
  const text = reason?.trim() ?? '';
  if (!text) throw new UsageError(`--reason "TEXT" is required and may not be blank: ${why}`);
  return text;
}

/** `--timeout S`: a positive number of seconds. */
export function secondsOption(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) throw new UsageError(`${flag} must be a positive number of seconds (got ${JSON.stringify(text)})`);
  return Number(text);
}
