import { LogUnavailableError } from './errors.ts';
import type { EventLog } from './port.ts';

/** A connection string with its user and password masked: esdb://***:***@host:2113. */
export function maskCredentials(connectionString: string): string {
  return connectionString.replace(/\/\/[^@/]*@/g, '//***:***@');
}
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
    try {
      return new EventStoreDbEventLog({ connectionString: config.EVENTSTORE_CONNECTION_STRING });
    } catch (err) {
      // The client's parse error quotes the whole string, password and all (issue 17): say it with the credentials masked.
      const masked = (text: string) => text.split(config.EVENTSTORE_CONNECTION_STRING!).join(maskCredentials(config.EVENTSTORE_CONNECTION_STRING!));
      throw new LogUnavailableError(`EVENTSTORE_CONNECTION_STRING ${maskCredentials(config.EVENTSTORE_CONNECTION_STRING)} cannot be used: ${masked(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
    }
  }
  return new SqliteEventLog(defaultLogPath(config.homeDir), { ...options.sqlite, readonly: options.readonly ?? false });
}
