import { afterEach, beforeEach } from 'vitest';
import { defaultLogPath, SqliteEventLog, type SqliteEventLogOptions } from '../../store/sqlite.ts';
import { makeTempDir } from './tempDir.ts';

/**
 * A fresh log file for each test of a describe block, and every connection
 * opened on it closed after the test, before its directory is removed.
 */
export function useTempSqliteLogs(prefix: string) {
  let temp: ReturnType<typeof makeTempDir> | undefined;
  const opened: SqliteEventLog[] = [];
  beforeEach(() => {
    temp = makeTempDir(prefix);
  });
  afterEach(async () => {
    for (const log of opened.splice(0)) await log.close();
    temp?.remove();
  });
  const dir = () => {
    if (!temp) throw new Error('useTempSqliteLogs: only inside a test');
    return temp.dir;
  };
  return {
    get dir(): string {
      return dir();
    },
    get path(): string {
      return defaultLogPath(dir());
    },
    open(options?: SqliteEventLogOptions): SqliteEventLog {
      const log = new SqliteEventLog(defaultLogPath(dir()), options);
      opened.push(log);
      return log;
    },
  };
}
