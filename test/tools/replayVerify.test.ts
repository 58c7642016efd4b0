import { statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { streams } from '../../beads/index.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { loadChainKey, secureHome } from '../../runtime/chain/chainKey.ts';
import { readOperator } from '../../runtime/operators/enrolment.ts';
import { verifyOperatorCode } from '../../runtime/operators/presence.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { main } from '../../tools/cli.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from './commandIo.ts';

/**
 * Issue 17, Done-when 3: `phoenix replay --verify` says the chain is intact
 * on a clean log and names the row on a log with one edited row; and
 * `phoenix operator enroll` keeps the secret 0600 and proves the phone has it.
 */

const temps: (() => void)[] = [];
afterEach(() => {
  for (const remove of temps.splice(0)) remove();
});

async function sealedHome(): Promise<{ dir: string; env: Record<string, string> }> {
  const t = makeTempDir('phoenix-verify');
  temps.push(t.remove);
  const clock = { now: () => Date.now() };
  const raw = new SqliteEventLog(defaultLogPath(t.dir));
  const log = await ChainedLog.open(raw, { key: loadChainKey(t.dir, { create: true })!, hostId: 'v-host', mode: 'PAPER', clock });
  const writer = new BeadWriter({ log, clock, ids: uuidV7Ids, hostId: 'v-host', mode: 'PAPER' });
  for (const ref of ['v-1-entry', 'v-2-entry', 'v-3-entry']) {
    await writer.write({ bead_type: 'ORDER', stream: streams.order(ref), correlation_id: ref, data: { event: 'SUBMIT_REQUESTED', order_ref: ref, order_id: 1, pair: 'EURUSD', action: 'BUY', quantity: 20_000, order_type: 'MKT', role: 'ENTRY' } });
  }
  await log.close();
  return { dir: t.dir, env: { PHOENIX_HOME: t.dir, PHOENIX_HOST_ID: 'v-host', LOG_LEVEL: 'silent' } };
}

describe('phoenix replay --verify', () => {
  it('reports the chain intact on a clean log, and names the one edited row', async () => {
    const { dir, env } = await sealedHome();
    const clean = await runCli(['replay', '--verify'], env);
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^chain intact: 5 records read in \d+ ms: 5 sealed by v-host \(2 seals\)/);

    const db = new Database(defaultLogPath(dir));
    const row = db.prepare("SELECT position FROM beads WHERE stream = 'order-v-2-entry'").get() as { position: number };
    db.prepare("UPDATE beads SET json = replace(json, '\"quantity\":20000', '\"quantity\":5000000') WHERE position = ?").run(row.position);
    db.close();
    const broken = await runCli(['replay', '--verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/chain BROKEN at 1 row/);
    expect(broken.stdout).toContain(`position ${row.position}  order-v-2-entry revision 0`);
    expect(broken.stdout).toMatch(/EDITED: ORDER bead .* differs from what host v-host sealed: the row was edited/);
    const json = JSON.parse((await runCli(['replay', '--verify', '--json'], env)).stdout) as { intact: boolean; findings: { position: number }[] };
    expect(json).toMatchObject({ intact: false, findings: [{ position: row.position }] });
  });

  it('says clearly when there is no key to verify with, and the home and its files are the host’s alone', async () => {
    const { dir, env } = await sealedHome();
    secureHome(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'chain.key')).mode & 0o777).toBe(0o600);
    expect(statSync(defaultLogPath(dir)).mode & 0o077).toBe(0);
    const other = makeTempDir('phoenix-nokey');
    temps.push(other.remove);
    await new SqliteEventLog(defaultLogPath(other.dir)).close();
    const keyless = await runCli(['replay', '--verify'], { ...env, PHOENIX_HOME: other.dir });
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(/no chain key at .*chain\.key: run it as the host's user/);
    const usage = await runCli(['replay', '--verify', '--stream', 'x'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--verify checks the whole log/);
  });
});

describe('phoenix operator enroll', () => {
  it('shows a QR code, keeps the secret 0600, and keeps it only once the phone’s first code proves it', async () => {
    const t = makeTempDir('phoenix-enrol');
    temps.push(t.remove);
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
    stdin.isTTY = true;
    stdin.end('000000\n');
    const code = await main(['operator', 'enroll', '--as', 'alice'], { stdout, stderr: new PassThrough(), stdin, env: { PHOENIX_HOME: t.dir }, cwd: process.cwd(), signal: new AbortController().signal });
    expect(out).toMatch(/Scan this with your authenticator app/);
    expect(out).toMatch(/▄|█/);
    // 000000 is (almost surely) not the current code: nothing is kept.
    expect(code).toBe(1);
    expect(readOperator(t.dir, 'alice')).toBeUndefined();

    const again = await runCli(['operator', 'enroll', '--as', 'alice', '--telegram-user', '42'], { PHOENIX_HOME: t.dir });
    expect(again.code).toBe(0);
    const op = readOperator(t.dir, 'alice')!;
    expect(statSync(join(t.dir, 'operators', 'alice.json')).mode & 0o777).toBe(0o600);
    expect(op.telegram_user_id).toBe('42');
    expect(again.stdout).toContain(op.totp_secret);
    // The verification `phoenix promote --live` calls: a fresh code once, never twice.
    const { totpOf } = await import('../../runtime/operators/enrolment.ts');
    const now = Date.now();
    const fresh = totpOf(op).generate({ timestamp: now });
    expect(verifyOperatorCode(t.dir, 'alice', fresh, now)).toMatchObject({ ok: true });
    expect(verifyOperatorCode(t.dir, 'alice', fresh, now)).toMatchObject({ ok: false, why: expect.stringMatching(/already used/) });
    expect((await runCli(['operator', 'enroll', '--as', 'alice'], { PHOENIX_HOME: t.dir })).code).toBe(1);
  });
});
