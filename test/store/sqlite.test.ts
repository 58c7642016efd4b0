import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LogUnavailableError } from '../../store/errors.ts';
import type { LogEntry } from '../../store/port.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { testBead, testBeads } from '../support/beads.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { useTempSqliteLogs } from '../support/tempSqliteLogs.ts';
import { collect, eventLogConformance, waitFor } from './conformance.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

eventLogConformance('sqlite', async () => {
  const temp = makeTempDir('phoenix-sqlite');
  const path = defaultLogPath(temp.dir);
  const log = new SqliteEventLog(path);
  return {
    log,
    openSecond: async () => new SqliteEventLog(path),
    cleanup: async () => {
      await log.close();
      temp.remove();
    },
  };
});

describe('sqlite event log', () => {
  const logs = useTempSqliteLogs('phoenix-sqlite');
  const openLog = logs.open;

  it('runs every connection in WAL with synchronous=FULL and a busy timeout', () => {
    expect(openLog().settings()).toEqual({ journalMode: 'wal', synchronous: 'FULL', busyTimeoutMs: 5000 });
    expect(openLog({ busyTimeoutMs: 750 }).settings()).toEqual({ journalMode: 'wal', synchronous: 'FULL', busyTimeoutMs: 750 });
  });

  it('keeps what it acknowledged across a reopen, and positions keep growing', async () => {
    const first = openLog();
    const beads = testBeads('durable', 3);
    const written = await first.append('durable', beads);
    await first.close();
    const again = openLog();
    expect((await again.readStream('durable')).map((e) => e.kind === 'bead' && e.bead.bead_id)).toEqual(
      beads.map((b) => b.bead_id),
    );
    const next = await again.append('durable', [testBead('durable')], 2);
    expect(next.position).toBeGreaterThan(written.position);
  });

  it('writes a batch of many insert chunks at consecutive revisions and reports the last position', async () => {
    const log = openLog();
    const beads = testBeads('big-batch', 75);
    const result = await log.append('big-batch', beads, 'no_stream');
    expect(result.nextRevision).toBe(74);
    const read = await log.readStream('big-batch');
    expect(read.map((e) => e.revision)).toEqual(beads.map((_, i) => i));
    expect(read.map((e) => e.kind === 'bead' && e.bead.bead_id)).toEqual(beads.map((b) => b.bead_id));
    expect(read[74]!.position).toBe(result.position);
    const retried = await log.append('big-batch', [...beads.slice(70), testBead('big-batch')], 74);
    expect(retried.nextRevision).toBe(75);
  });

  it('pages through readAll across page boundaries and honours a limit', async () => {
    const log = openLog({ pageSize: 3 });
    const beads = testBeads('paged', 10);
    await log.append('paged', beads);
    expect((await collect(log.readAll())).map((e) => e.kind === 'bead' && e.bead.bead_id)).toEqual(
      beads.map((b) => b.bead_id),
    );
    const all = await collect(log.readAll());
    const limited = await collect(log.readAll({ after: all[1]!.position, limit: 4 }));
    expect(limited.map((e) => e.position)).toEqual(all.slice(2, 6).map((e) => e.position));
  });

  it('reads corrupt rows back as corrupt entries, with the reason, and keeps reading', async () => {
    const log = openLog();
    await log.append('mixed', [testBead('mixed')]);
    const raw = new Database(logs.path);
    const insert = raw.prepare(
      'INSERT INTO beads (stream, revision, bead_id, bead_type, ts, json) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const good = testBead('mixed');
    insert.run('mixed', 1, 'bad-json', 'DRILL', good.ts, '{"bead_type": "DRILL", ');
    insert.run('mixed', 2, 'unknown-type', 'TELEPORT', good.ts, JSON.stringify({ ...good, bead_type: 'TELEPORT' }));
    insert.run('mixed', 3, 'future', 'DRILL', good.ts, JSON.stringify({ ...good, bead_id: 'future', schema_version: 99 }));
    raw.close();
    await log.append('mixed', [good]);

    const all = await collect(log.readAll());
    expect(all.map((e) => e.kind)).toEqual(['bead', 'corrupt', 'corrupt', 'corrupt', 'bead']);
    const reasons = all.flatMap((e) => (e.kind === 'corrupt' ? [e.reason] : []));
    expect(reasons[0]).toMatch(/corrupt JSON/);
    expect(reasons[1]).toMatch(/unknown bead_type "TELEPORT"/);
    expect(reasons[2]).toMatch(/schema_version 99 is newer/);
    expect(all[4]!.kind === 'bead' && all[4]!.bead.bead_id).toBe(good.bead_id);
    expect((await log.readStream('mixed')).map((e) => e.kind)).toEqual(['bead', 'corrupt', 'corrupt', 'corrupt', 'bead']);
    // A read of some types keeps the unreadable rows stored as one of them, and only those.
    const drills = await collect(log.readAll({ types: ['DRILL'] }));
    expect(drills.map((e) => e.position)).toEqual([all[0], all[1], all[3], all[4]].map((e) => e!.position));
    expect(drills.map((e) => e.kind)).toEqual(['bead', 'corrupt', 'corrupt', 'bead']);

    const seen: LogEntry[] = [];
    const sub = log.subscribe((e) => void seen.push(e));
    await waitFor(() => seen.length === 5, 5000, 'subscriber to pass the corrupt rows');
    await sub.stop();
    expect(seen.map((e) => e.kind)).toEqual(['bead', 'corrupt', 'corrupt', 'corrupt', 'bead']);
  });

  describe('fails closed when the log cannot be written', () => {
    it('a closed log refuses an append with LogUnavailableError', async () => {
      const log = openLog();
      await log.close();
      const err = await log.append('closed', [testBead('closed')]).catch((e) => e);
      expect(err).toBeInstanceOf(LogUnavailableError);
      expect(err.message).toMatch(/closed/);
    });

    it('a log opened read-only refuses an append with LogUnavailableError', async () => {
      await openLog().append('ro', [testBead('ro')]);
      const reader = openLog({ readonly: true });
      expect(await reader.readStream('ro')).toHaveLength(1);
      const err = await reader.append('ro', [testBead('ro')]).catch((e) => e);
      expect(err).toBeInstanceOf(LogUnavailableError);
      expect(err.message).toMatch(/SQLITE_READONLY/);
    });

    it('a write lock held past the busy timeout is LogUnavailableError, not a conflict, and nothing is written', async () => {
      const log = openLog({ busyTimeoutMs: 50 });
      await log.append('locked', [testBead('locked')]);
      const other = new Database(logs.path);
      other.exec('BEGIN IMMEDIATE');
      try {
        const err = await log.append('locked', [testBead('locked')], 0).catch((e) => e);
        expect(err).toBeInstanceOf(LogUnavailableError);
        expect(err.message).toMatch(/SQLITE_BUSY/);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect(await log.readStream('locked')).toHaveLength(1);
      expect((await log.append('locked', [testBead('locked')], 0)).nextRevision).toBe(1);
    });

    it('a file the log cannot open is LogUnavailableError', () => {
      expect(() => new SqliteEventLog(join(logs.dir, 'missing.db'), { readonly: true })).toThrow(LogUnavailableError);
    });

    it('a file written by a newer layout is refused rather than misread', () => {
      const raw = new Database(logs.path);
      raw.pragma('user_version = 3');
      raw.close();
      expect(() => openLog()).toThrow(/schema 3/);
    });
  });

  it('delivers beads appended by another process to a subscriber, each once, in commit order', async () => {
    openLog(); // creates the file before the child opens it
    const log = openLog();
    const received: string[] = [];
    let caughtUp = false;
    const sub = log.subscribe(
      (e) => {
        if (e.kind === 'bead' && e.stream === 'other-process') received.push(e.bead.bead_id);
      },
      { onCaughtUp: () => (caughtUp = true) },
    );
    await waitFor(() => caughtUp, 5000, 'catch-up');

    const appends = 3;
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'test/support/appendFromChild.ts', logs.path, String(appends), 'other-process'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(exitCode, stderr).toBe(0);

    const commits = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { bead_id: string; committedAt: number });
    expect(commits).toHaveLength(appends);
    // Nothing in this process appended: only the subscription's polling of the file can bring them.
    // How soon is a performance figure, not asserted here; the wait has a generous deadline.
    await waitFor(() => received.length >= appends, 10_000, 'the child process beads');
    const last = testBead('other-process');
    await log.append('other-process', [last]);
    await waitFor(() => received.includes(last.bead_id), 10_000, 'a bead appended here after them');
    await sub.stop();
    expect(received).toEqual([...commits.map((c) => c.bead_id), last.bead_id]);
  });
});
