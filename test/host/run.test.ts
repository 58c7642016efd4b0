import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import type { LogEntry } from '../../store/port.ts';
import { runPhoenix, startPhoenix } from '../support/phoenixProcess.ts';

async function beadsIn(home: string): Promise<LogEntry[]> {
  const log = new SqliteEventLog(defaultLogPath(home), { readonly: true });
  const out: LogEntry[] = [];
  for await (const e of log.readAll()) out.push(e);
  await log.close();
  return out;
}

async function kindsIn(home: string): Promise<string[]> {
  return (await beadsIn(home)).map((e) => (e.kind === 'bead' ? `${e.bead.bead_type}:${'event' in e.bead.data ? e.bead.data.event : ''}` : 'corrupt'));
}

describe('phoenix run', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'phoenix-run-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('runs in mock mode on the embedded log, refuses a second host on the same log, and stops cleanly on SIGTERM', async () => {
    const env = { PHOENIX_HOME: home, LOG_LEVEL: 'warn', TIME_SCALE: '0.01' };
    const first = startPhoenix(['run'], env);
    await first.waitForOutput(/running in MOCK mode on the sqlite log/);

    const second = await runPhoenix(['run'], env);
    expect(second.code).toBe(4);
    expect(second.stderr).toMatch(/refused: the log is held by host phoenix-1 \(pid \d+ on .+\) until .*another host is running against this log/);

    // At TIME_SCALE 0.01 a heartbeat comes every 0.3 s, each renewing the lease.
    for (let i = 0; i < 200 && !(await kindsIn(home)).includes('LEASE:RENEWED'); i++) await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGTERM');
    const end = await first.done;
    expect(end.code).toBe(0);

    const kinds = await kindsIn(home);
    expect(kinds.slice(0, 3)).toEqual(['LEASE:ACQUIRED', 'HOST:STARTED', 'CONFIG:']);
    expect(kinds.slice(-2)).toEqual(['HOST:STOPPING', 'LEASE:RELEASED']);
    expect(kinds).toContain('IBKR_SESSION:CONNECT');
    expect(kinds).toContain('HEARTBEAT:');
    expect(kinds).toContain('LEASE:RENEWED');
    expect(kinds).not.toContain('corrupt');
  });

  it('serves the read-only dashboard on loopback, showing the running host', async () => {
    const host = startPhoenix(['run'], { PHOENIX_HOME: home, LOG_LEVEL: 'warn' });
    const line = await host.waitForOutput(/dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    const url = line.replace('dashboard: ', '');
    let view: { host?: { state?: string; mode?: string }; gates?: { id: string; status: string; detail: string }[] } = {};
    for (let i = 0; i < 100 && view.host?.state !== 'RUNNING'; i++) {
      view = (await (await fetch(`${url}api/dashboard`)).json()) as typeof view;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(view.host).toMatchObject({ state: 'RUNNING', mode: 'MOCK' });
    // The gates are computed from the log, as `phoenix gates` does. Only P1-7 waits for a bead type to hold the operator's confirmation.
    expect(view.gates?.map((g) => g.id)).toEqual(['P1-1', 'P1-2', 'P1-3', 'P1-4', 'P1-5', 'P1-6', 'P1-7', 'P1-8']);
    expect(view.gates?.filter((g) => g.status === 'NOT_COMPUTED').map((g) => g.id)).toEqual(['P1-7']);
    expect(view.gates?.find((g) => g.id === 'P1-5')?.detail).toMatch(/runbooks present/);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });

  it('connects its broker and runs even when the Telegram Bot API is unreachable at start (RB-006)', async () => {
    const env = {
      PHOENIX_HOME: home,
      LOG_LEVEL: 'warn',
      TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef',
      TELEGRAM_CHAT_ID: '42',
      TELEGRAM_ALLOWED_USER_IDS: '7',
      // Nothing listens on port 9 (discard) here: every Bot API call is refused.
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
    };
    const host = startPhoenix(['run'], env);
    await host.waitForOutput(/running in MOCK mode/);
    for (let i = 0; i < 200 && !(await kindsIn(home)).includes('IBKR_SESSION:CONNECT'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await kindsIn(home)).toContain('IBKR_SESSION:CONNECT');
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
    expect(host.stderr()).not.toContain('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef');
  });

  it('takes over the lease of a host killed with SIGKILL, and says so in a bead', async () => {
    const first = startPhoenix(['run'], { PHOENIX_HOME: home, LOG_LEVEL: 'warn' });
    await first.waitForOutput(/running in MOCK mode/);
    first.child.kill('SIGKILL');
    await first.done;
    const again = startPhoenix(['run'], { PHOENIX_HOME: home, LOG_LEVEL: 'warn' });
    await again.waitForOutput(/running in MOCK mode/);
    again.child.kill('SIGINT');
    expect((await again.done).code).toBe(0);
    const lease = (await beadsIn(home)).filter((e) => e.kind === 'bead' && e.bead.bead_type === 'LEASE');
    const takeover = lease.find((e) => e.kind === 'bead' && e.bead.bead_type === 'LEASE' && e.bead.data.event === 'TAKEN_OVER');
    expect(takeover && takeover.kind === 'bead' && takeover.bead.bead_type === 'LEASE' && takeover.bead.data.why).toMatch(/not running/);
  });

  it('INV-IBKR-PAPER-FIRST-1: live with IBKR_ALLOW_LIVE=true is still refused at start while the paper gates do not hold in the log', async () => {
    const r = await runPhoenix(['run'], {
      PHOENIX_HOME: home,
      IBKR_MODE: 'live',
      IBKR_ALLOW_LIVE: 'true',
      IBKR_ACCOUNT: 'U1234567',
      APPROVAL_TOKEN_SECRET: 'x'.repeat(40),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/GUARD_FAILED: [\s\S]*needs paper validation complete first \(the S11 gates do not hold in the log\)/);
    // Refused before anything is written: not even the log file exists.
    expect(existsSync(defaultLogPath(home))).toBe(false);
  });

  it('exits 2 with the variable named when the configuration is bad', async () => {
    const r = await runPhoenix(['run'], { PHOENIX_HOME: home, IBKR_MODE: 'papr' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/IBKR_MODE/);
  });
});
