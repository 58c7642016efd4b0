import type { EventLog } from './port.ts';
import { defaultLogPath, SqliteEventLog, type SqliteEventLogOptions } from './sqlite.ts';

/** The two settings that choose and place the log; the host's whole configuration satisfies it. */
export interface LogLocation {
  EVENTSTORE_CONNECTION_STRING?: string | undefined;
  /** PHOENIX_HOME, resolved. */
  homeDir: string;
}

export interface OpenLogOptions {
  /** Commands that only read (replay, query, status) open SQLite read-only. */
  readonly?: boolean;
  sqlite?: SqliteEventLogOptions;
}

/**
 * Chooses the adapter from configuration (S2): EventStoreDB when a connection
 * string is set, otherwise the SQLite file under PHOENIX_HOME. The EventStoreDB
 * client is loaded only when chosen, so a SQLite process never pays for gRPC.
 */
export async function openEventLog(config: LogLocation, options: OpenLogOptions = {}): Promise<EventLog> {
  if (config.EVENTSTORE_CONNECTION_STRING) {
    const { EventStoreDbEventLog } = await import('./eventstoredb.ts');
    return new EventStoreDbEventLog({ connectionString: config.EVENTSTORE_CONNECTION_STRING });
  }
  return new SqliteEventLog(defaultLogPath(config.homeDir), { ...options.sqlite, readonly: options.readonly ?? false });
}
