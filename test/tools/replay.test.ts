import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { testBead } from '../support/beads.ts';
import { runPhoenix } from '../support/phoenixProcess.ts';

describe('phoenix replay', () => {
  let home: string;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'phoenix-replay-'));
    const log = new SqliteEventLog(defaultLogPath(home));
    await log.append('drill', [testBead('drill', { correlation_id: 'c1' })]);
    await log.append('killswitch', [
      testBead('killswitch', { bead_type: 'KILL_FLAG', correlation_id: 'c2', data: { state: 'SET', reason: 'drill', who: 'cli:alice' } }),
    ]);
    await log.close();
    // Rows another build (or a bit flip) left behind: the replay must report and skip them.
    const db = new Database(defaultLogPath(home));
    const insert = db.prepare('INSERT INTO beads (stream, revision, bead_id, bead_type, ts, json) VALUES (?, ?, ?, ?, ?, ?)');
    insert.run('odd', 0, 'id-corrupt', 'DRILL', '2026-11-24T09:00:00.000Z', '{"bead_type": "DRILL", ');
    const future = { ...testBead('odd'), bead_type: 'TELEPORT' };
    insert.run('odd', 1, 'id-unknown-type', 'TELEPORT', future.ts, JSON.stringify(future));
    const newer = { ...testBead('odd'), schema_version: 99 };
    insert.run('odd', 2, 'id-newer', 'DRILL', newer.ts, JSON.stringify(newer));
    db.close();
    const after = new SqliteEventLog(defaultLogPath(home));
    await after.append('drill', [testBead('drill', { correlation_id: 'c3', data: { runbook_id: 'RB-004', event: 'FINISHED', outcome: 'PASS', resolution_ms: 812 } })]);
    await after.close();
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('prints a readable timeline, reports each unreadable record, and goes on past them', async () => {
    const r = await runPhoenix(['replay'], { PHOENIX_HOME: home });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/DRILL\s+drill\s+RB-004 STARTED/);
    expect(lines[1]).toMatch(/KILL_FLAG\s+killswitch\s+SET by cli:alice: drill/);
    expect(lines[2]).toMatch(/^!! skipped record at position \d+ \(odd rev 0\): corrupt JSON/);
    expect(lines[3]).toMatch(/^!! skipped .*unknown bead_type "TELEPORT"/);
    expect(lines[4]).toMatch(/^!! skipped .*schema_version 99 is newer/);
    expect(lines[5]).toMatch(/DRILL\s+drill\s+RB-004 FINISHED PASS in 812 ms/);
    expect(lines).toContain('== killswitch killswitch: SET by cli:alice (drill)');
    expect(lines.at(-1)).toBe('-- 3 beads, 3 unreadable records skipped');
    expect(r.stderr).toMatch(/3 unreadable records were skipped/);
  });

  it('filters by stream and time, and speaks JSON for tools', async () => {
    const r = await runPhoenix(['replay', '--stream', 'drill', '--json'], { PHOENIX_HOME: home });
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.filter((x) => x.kind === 'bead').map((x) => x.bead.data.event)).toEqual(['STARTED', 'FINISHED']);
    expect(rows.at(-1)).toEqual({ kind: 'summary', beads: 2, skipped: 0 });
    const none = await runPhoenix(['replay', '--from', '2030-01-01T00:00:00Z'], { PHOENIX_HOME: home });
    expect(none.stdout).toMatch(/-- 0 beads, 3 unreadable/);
  });

  it('refuses a bad time with a clear message and exit 2', async () => {
    const r = await runPhoenix(['replay', '--from', 'yesterday'], { PHOENIX_HOME: home });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--from must be an ISO-8601 time/);
    const unknown = await runPhoenix(['replay', '--frm', 'x'], { PHOENIX_HOME: home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--frm'/);
  });
});
