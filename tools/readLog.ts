import { existsSync } from 'node:fs';
import type { Config } from '../runtime/config/load.ts';
import { LogUnavailableError } from '../store/errors.ts';
import { openEventLog } from '../store/open.ts';
import type { EventLog } from '../store/port.ts';
import { defaultLogPath } from '../store/sqlite.ts';

/**
 * The log for a command that only reads (status, replay, query, gates). A
 * missing SQLite file is not created: it is a LogUnavailableError saying no
 * host has run here, which the CLI prints as one line (exit 1).
 */
export async function openLogToRead(config: Config): Promise<EventLog> {
  if (config.logBackend === 'sqlite' && !existsSync(defaultLogPath(config.homeDir))) {
    throw new LogUnavailableError(`no event log at ${defaultLogPath(config.homeDir)}: no host has run with PHOENIX_HOME=${config.PHOENIX_HOME}`);
  }
  return openEventLog(config, { readonly: true });
}
