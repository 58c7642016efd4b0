import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { changeDraft } from '../../actors/promotion/configChanges.ts';
import type { BeadOf } from '../../beads/index.ts';
import { componentOfParameter, isParameter, sweepVectors } from '../../machines/promotionSweeps.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { systemClock } from '../../runtime/clock.ts';
import { parseDotenv } from '../../runtime/config/dotenv.ts';
import { type Config, loadConfig, publicParams } from '../../runtime/config/load.ts';
import { ENV_KEYS, SECRET_KEYS } from '../../runtime/config/schema.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { openEventLog } from '../../store/open.ts';
import { defaultLogPath } from '../../store/sqlite.ts';
import { type CommandIo, EXIT, parseCommandArgs, UsageError, writeError, writeLine } from '../command.ts';
import { EnvFileError, setDotenvLine, withEnvLock, writeEnvFile } from './dotenvEdit.ts';
import { operatorOf, requiredReason } from './operator.ts';

/**
 * `phoenix config set KEY VALUE --reason TEXT [--as NAME]` (S9, issue 14):
 * the value is checked with the configuration's own schema (with the rest
 * of the configuration, so ORDER_UNITS above MAX_ORDER_UNITS is refused),
 * written into `.env` (or PHOENIX_ENV_FILE) in place, and recorded as a
 * CONFIG_CHANGE bead: key, old and new value (a secret: only that it
 * changed), who and why. A running host hears the bead through the log:
 * the desk returns to SHADOW and a bunny sweep runs the new value. The host
 * itself keeps the value it started with until its next restart.
 */

export const SET_HELP = `       phoenix config set KEY VALUE --reason TEXT [--as NAME]

config set checks VALUE against KEY's rule (and the rest of the
configuration), writes KEY=VALUE into .env (PHOENIX_ENV_FILE if set) in
place, keeping every other line and comment, and records a CONFIG_CHANGE
bead: old and new value (for a secret only that it changed), who and why.
A parameter change sends the desk back to SHADOW and starts a bunny sweep of
the parts it drives with the new value (phoenix promote --status). It takes
effect in the host at its next restart: the mode and every parameter are
fixed for the life of a process. The desk's wiring (IBKR_MODE, the account,
ports, hosts, chat, log level …) is written the same way but is no
parameter change: no CONFIG_CHANGE, no revalidation.`;

function envFileOf(io: CommandIo): string {
  return resolve(io.cwd, io.env.PHOENIX_ENV_FILE ?? '.env');
}

const shown = (v: unknown) => (v === undefined ? '(unset)' : String(v));

export async function configSet(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { reason: { type: 'string' }, as: { type: 'string' } }, true);
  const [key, value, ...extra] = positionals;
  if (key === undefined || value === undefined) throw new UsageError('phoenix config set KEY VALUE --reason TEXT: name the setting and its new value');
  if (extra.length > 0) throw new UsageError(`unexpected ${JSON.stringify(extra.join(' '))}: quote a value with spaces`);
  if (!(ENV_KEYS as string[]).includes(key)) throw new UsageError(`${key} is not a Phoenix setting (phoenix config check lists them)`);
  const reason = requiredReason(values.reason, 'the next person reads it with the change');
  const path = envFileOf(io);
  const inFile = existsSync(path) ? parseDotenv(readFileSync(path, 'utf8'), path) : {};
  // The environment wins over .env: a change written under it would never take effect.
  if (io.env[key] !== undefined && io.env[key] !== '' && io.env[key] !== inFile[key]) {
    writeError(io, `phoenix config set: ${key} is set in the environment, which wins over ${path}: change it there (or unset it) instead`);
    return EXIT.failure;
  }
  const before = loadConfig(io.env, io.cwd);
  const who = operatorOf(values.as, before).id;
  const after = loadConfig({ ...io.env, [key]: value }, io.cwd);
  const secret = (SECRET_KEYS as readonly string[]).includes(key);
  const oldValue = secret ? before[key as keyof Config] : publicParams(before)[key];
  const newValue = secret ? after[key as keyof Config] : publicParams(after)[key];
  if (shown(oldValue) === shown(newValue)) {
    writeLine(io.stdout, `${key} is already ${secret ? 'that value' : shown(newValue)}: nothing changed, nothing recorded.`);
    return EXIT.ok;
  }
  try {
    await withEnvLock(path, async () => writeEnvFile(path, setDotenvLine(existsSync(path) ? readFileSync(path, 'utf8') : '', key, value)));
  } catch (err) {
    if (!(err instanceof EnvFileError)) throw err;
    writeError(io, `phoenix config set: ${err.message}`);
    return EXIT.failure;
  }
  const what = secret ? `${key}: changed (a secret: no value is shown or recorded)` : `${key}: ${shown(oldValue)} → ${shown(newValue)}`;
  writeLine(io.stdout, `${what}, written to ${path}.`);
  if (!isParameter(key)) {
    writeLine(io.stdout, `${key} is the desk's wiring, not a parameter under validation: no CONFIG_CHANGE, no revalidation; the next host start records it in its CONFIG bead.`);
    return EXIT.ok;
  }
  const bead = await recordChange(after, {
    key,
    who: `cli:${who}`,
    reason,
    source: 'CONFIG_SET',
    components: [componentOfParameter(key)],
    ...(secret ? { secret: true } : { ...(oldValue === undefined ? {} : { old_value: oldValue as string | number | boolean }), ...(newValue === undefined ? {} : { new_value: newValue as string | number | boolean }) }),
  });
  const component = componentOfParameter(key);
  if (bead === undefined) {
    writeLine(io.stdout, `No event log yet at ${defaultLogPath(after.homeDir)}: nothing to revalidate; the first host start records ${key} in its CONFIG bead.`);
  } else {
    writeLine(io.stdout, `CONFIG_CHANGE ${bead.bead_id} recorded for ${who}: the desk returns to SHADOW, and a bunny sweep of ${component} (${sweepVectors([component]).join(', ')}) runs the new value once a host reads it (phoenix promote --status).`);
  }
  writeLine(io.stdout, `The change takes effect at the host's next restart: the mode and every parameter are fixed for the life of a process.`);
  return EXIT.ok;
}

async function recordChange(config: Config, data: Parameters<typeof changeDraft>[0]): Promise<BeadOf<'CONFIG_CHANGE'> | undefined> {
  if (config.logBackend === 'sqlite' && !existsSync(defaultLogPath(config.homeDir))) return undefined;
  const log = await openEventLog(config);
  try {
    const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: `${config.PHOENIX_HOST_ID}-cli`, mode: config.mode });
    return (await writer.append(changeDraft(data))) as BeadOf<'CONFIG_CHANGE'>;
  } finally {
    await log.close();
  }
}
