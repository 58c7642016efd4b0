import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';

/** Issue 17: the log is the host's alone, and a malformed connection string never shows its password. */

const temps: (() => void)[] = [];
afterEach(() => {
  for (const remove of temps.splice(0)) remove();
});

describe('the log’s files', () => {
  it('a new PHOENIX_HOME is 0700 and its log 0600 (and so its WAL): no other local user reads positions or P&L', async () => {
    const t = makeTempDir('phoenix-perms');
    temps.push(t.remove);
    const home = join(t.dir, 'home');
    const log = new SqliteEventLog(defaultLogPath(home));
    await log.close();
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(defaultLogPath(home)).mode & 0o777).toBe(0o600);
  });
});

describe('a malformed EVENTSTORE_CONNECTION_STRING', () => {
  it('is one line with the credentials masked: no password, no stack trace', async () => {
    const t = makeTempDir('phoenix-esdb');
    temps.push(t.remove);
    const out = await runCli(['gates'], { PHOENIX_HOME: t.dir, EVENTSTORE_CONNECTION_STRING: 'esdb://admin:hunter2@db1:2113?tls=maybe' });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^phoenix gates: .*EVENTSTORE_CONNECTION_STRING esdb:\/\/\*\*\*:\*\*\*@db1:2113\?tls=maybe cannot be used/);
    expect(out.stderr).not.toContain('hunter2');
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });
});
