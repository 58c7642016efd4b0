import type { Config } from '../../runtime/config/load.ts';
import { OPERATOR_NAME, OPERATOR_NAME_RULE } from '../../runtime/config/schema.ts';
import { type HumanActor, whoOf } from '../../machines/types.ts';
import { UsageError } from '../command.ts';

/**
 * Who is at the terminal, for every command that records a person: `--as
 * NAME`, else PHOENIX_OPERATOR, else the OS user. Kill-switch, halt, close and
 * drill beads record it as `cli:<name>` (the spelling the kill switch machine
 * reads back); an approval decision records the name with channel TERMINAL.
 */
export function operatorOf(as: string | undefined, config: Pick<Config, 'PHOENIX_OPERATOR' | 'osUser'>): HumanActor {
  const given = as?.trim();
  if (as !== undefined && !given) throw new UsageError('--as needs a name');
  const name = given ?? config.PHOENIX_OPERATOR ?? config.osUser;
  const from = given !== undefined ? '--as' : config.PHOENIX_OPERATOR !== undefined ? 'PHOENIX_OPERATOR' : 'your OS user name';
  if (name === undefined) throw new UsageError('cannot tell who you are: pass --as NAME or set PHOENIX_OPERATOR');
  if (!OPERATOR_NAME.test(name)) {
    throw new UsageError(`${from} must be ${OPERATOR_NAME_RULE}, got ${JSON.stringify(name)}${given === undefined ? ': pass --as NAME or set PHOENIX_OPERATOR' : ''}`);
  }
  return { kind: 'human', channel: 'CLI', id: name };
}

/** The operator as a bead's `who`: `cli:alice`. */
export const cliWho = (as: string | undefined, config: Pick<Config, 'PHOENIX_OPERATOR' | 'osUser'>) => whoOf(operatorOf(as, config));

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
