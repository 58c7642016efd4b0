import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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

/** Polls the log until `match` finds a bead, or fails after the deadline. */
async function waitForBead(home: string, match: (e: LogEntry) => boolean, what: string, timeoutMs = 20_000): Promise<LogEntry> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = existsSync(defaultLogPath(home)) ? (await beadsIn(home)).find(match) : undefined;
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function kindsIn(home: string): Promise<string[]> {
  // Each commit opens with the host's SEAL (issue 17); the story is the beads it seals.
  return (await beadsIn(home)).flatMap((e) => (e.kind !== 'bead' ? ['corrupt'] : e.bead.bead_type === 'SEAL' ? [] : [`${e.bead.bead_type}:${'event' in e.bead.data ? e.bead.data.event : ''}`]));
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
    // The gates are computed from the log, as `phoenix gates` does, in its words: MET or NOT_MET, nothing else.
    // Then the Phase-2 ops quality and the live gate (phase 1 and promotion at LIVE_ACTIVE), issue 14.
    expect(view.gates?.map((g) => g.id)).toEqual(['P1-1', 'P1-2', 'P1-3', 'P1-4', 'P1-5', 'P1-6', 'P1-7', 'P1-8', 'P2-1', 'P2-2', 'P2-3', 'P2-4', 'P2-5', 'LIVE']);
    expect(view.gates?.every((g) => g.status === 'MET' || g.status === 'NOT_MET')).toBe(true);
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

  describe('the approval secret', () => {
    const PAPER = { IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU123456' };

    it('paper and live refuse to start without APPROVAL_TOKEN_SECRET: exit 2, the variable named, how to make one, nothing written', async () => {
      const paper = await runPhoenix(['run'], { PHOENIX_HOME: home, ...PAPER });
      expect(paper.code).toBe(2);
      expect(paper.stderr).toMatch(/APPROVAL_TOKEN_SECRET: not set; IBKR_MODE=paper needs it/);
      expect(paper.stderr).toContain('openssl rand -hex 32');
      expect(paper.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(defaultLogPath(home))).toBe(false);
      expect(existsSync(join(home, 'approval-token.secret'))).toBe(false);
    });

    it('mock mode without it makes one in PHOENIX_HOME/approval-token.secret (0600), says so in one log line without the secret, and reuses it on the next start', async () => {
      const env = { PHOENIX_HOME: home, LOG_LEVEL: 'info', LOG_FORMAT: 'json' };
      const file = join(home, 'approval-token.secret');
      const first = startPhoenix(['run'], env);
      await first.waitForOutput(/running in MOCK mode/);
      first.child.kill('SIGTERM');
      const firstEnd = await first.done;
      expect(firstEnd.code).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const secret = readFileSync(file, 'utf8').trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      const said = firstEnd.stderr.split('\n').filter((l) => l.includes('approval secret'));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/APPROVAL_TOKEN_SECRET is not set: mock mode made a new approval secret and kept it in .*approval-token\.secret/);
      expect(firstEnd.stdout + firstEnd.stderr).not.toContain(secret);

      const second = startPhoenix(['run'], env);
      await second.waitForOutput(/running in MOCK mode/);
      second.child.kill('SIGTERM');
      const secondEnd = await second.done;
      expect(secondEnd.code).toBe(0);
      expect(readFileSync(file, 'utf8').trim()).toBe(secret);
      expect(secondEnd.stderr).toMatch(/mock mode using the approval secret kept in .*approval-token\.secret/);
      expect(secondEnd.stdout + secondEnd.stderr).not.toContain(secret);
    });

    it('with no configuration at all, a mock host takes an intent through phoenix approve to an ORDER sent', async () => {
      const env = { PHOENIX_HOME: home, LOG_LEVEL: 'warn' };
      const host = startPhoenix(['run'], env);
      await host.waitForOutput(/running in MOCK mode/);
      const intent = ['mock-cse', '--signal', 'READY', '--pair', 'EURUSD', '--confidence', '0.85', '--entry', '1.0850', '--stop', '1.0820', '--target', '1.0910', '--setup-type', 'FVG_ENTRY', '--intent-id', 'desk-1'];
      const written = await runPhoenix(intent, env);
      expect(written.code, written.stderr).toBe(0);
      const approval = (e: LogEntry, event: string) => e.kind === 'bead' && e.bead.bead_type === 'APPROVAL' && e.bead.data.intent_id === 'desk-1' && e.bead.data.event === event;
      await waitForBead(home, (e) => approval(e, 'EVIDENCE_SHOWN'), 'the evidence for desk-1');
      const approved = await runPhoenix(['approve', 'desk-1', '--yes', '--as', 'alice'], env);
      expect(approved.code, approved.stderr).toBe(0);
      // The token is minted and spent on the send, and the broker answers for the entry order.
      const consumed = await waitForBead(home, (e) => approval(e, 'CONSUMED'), 'the approval CONSUMED');
      expect(consumed.kind === 'bead' && consumed.bead.bead_type === 'APPROVAL' && consumed.bead.data.reason).toBe('SENT');
      const entry = (e: LogEntry, event: string) => e.kind === 'bead' && e.bead.bead_type === 'ORDER' && e.bead.data.order_ref === 'desk-1-entry' && e.bead.data.event === event;
      await waitForBead(home, (e) => entry(e, 'STATUS'), 'the broker acknowledging the entry order');
      const beads = await beadsIn(home);
      expect(beads.some((e) => entry(e, 'SUBMIT_REQUESTED'))).toBe(true);
      expect(beads.some((e) => approval(e, 'REJECTED'))).toBe(false);
      host.child.kill('SIGTERM');
      expect((await host.done).code).toBe(0);
    });
  });
});
