/**
 * The CLI's edges, as a person at a shell meets them: pipes into `head`, a
 * log that is missing or broken, `--version`, colour on a terminal and none
 * elsewhere. Process tests run the real bin/phoenix.mjs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../../tools/cli.ts';
import type { CommandIo } from '../../tools/command.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { approvalInput, evidence, intent } from '../approval/fixtures.ts';
import { ApprovalFlow } from '../approval/flowHarness.ts';
import { testBeads } from '../support/beads.ts';
import { cleanEnv, runPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ESC = '\x1b[';
const STACK = /\n\s+at |EPIPE|node:events/;

/** A shell line, as typed: `phoenix` is the real bin. */
function shell(line: string, env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = line.replaceAll('phoenix ', `${JSON.stringify(process.execPath)} bin/phoenix.mjs `);
  const child = spawn('bash', ['-c', script], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The command's own exit status from a pipeline (`echo "exit:$PIPESTATUS"`). */
const exitOf = (stderr: string) => Number(/exit:(\d+)/.exec(stderr)?.[1]);

/** In process, with streams that say whether they are a terminal. */
async function cli(argv: string[], env: Record<string, string>, tty: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CommandIo = { stdout, stderr, stdin: new PassThrough(), env, cwd: ROOT, signal: new AbortController().signal };
  const code = await main(argv, io);
  return { code, stdout: out, stderr: err };
}

let home: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  home = makeTempDir('phoenix-cli-edges');
});
afterEach(() => home.remove());

async function seedLog(beadCount: number): Promise<void> {
  const log = new SqliteEventLog(defaultLogPath(home.dir));
  const beads = testBeads('drill', beadCount);
  for (let i = 0; i < beads.length; i += 500) await log.append('drill', beads.slice(i, i + 500));
  await log.close();
}

describe('phoenix --version', () => {
  it('prints the version in package.json, as --version and -V', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runPhoenix([flag], {});
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`phoenix ${VERSION}\n`);
    }
  });
});

describe('piping into head ends quietly', () => {
  it('phoenix replay --json | head -1: one JSON line, exit 0, no EPIPE', async () => {
    await seedLog(3000); // about a megabyte of JSON: far more than a pipe holds
    const r = await shell('phoenix replay --json | head -1; echo "exit:$PIPESTATUS" >&2', { PHOENIX_HOME: home.dir });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'bead', bead_type: 'DRILL' });
    expect(r.stderr).not.toMatch(STACK);
    expect(exitOf(r.stderr)).toBe(0);
  });

  it('phoenix status | head -1, and status into a reader that is already gone, end quietly with exit 0', async () => {
    await seedLog(3);
    const head = await shell('phoenix status | head -1; echo "exit:$PIPESTATUS" >&2', { PHOENIX_HOME: home.dir });
    expect(head.stdout.trim().split('\n')).toHaveLength(1);
    expect(head.stderr).not.toMatch(STACK);
    expect(exitOf(head.stderr)).toBe(0);
    // `true` never reads: every write meets a closed pipe.
    const gone = await shell('phoenix status | true; echo "exit:$PIPESTATUS" >&2', { PHOENIX_HOME: home.dir });
    expect(gone.stderr).not.toMatch(STACK);
    expect(exitOf(gone.stderr)).toBe(0);
  });

  it('an error written to a closed stderr keeps its exit code, not a crash', async () => {
    const r = await shell('phoenix replay --from yesterday 2>&1 >/dev/null | true; echo "exit:$PIPESTATUS" >&2', { PHOENIX_HOME: home.dir });
    expect(exitOf(r.stderr)).toBe(2);
  });
});

describe('a missing or unusable log is one line and exit 1, for every command', () => {
  it('the read-only commands say no host has run here (real process)', async () => {
    for (const argv of [['replay'], ['query', 'alerts'], ['gates'], ['status']]) {
      const r = await runPhoenix(argv, { PHOENIX_HOME: join(home.dir, 'nowhere') });
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr).toBe(`phoenix ${argv[0]}: no event log at ${join(home.dir, 'nowhere', 'phoenix.db')}: no host has run with PHOENIX_HOME=${join(home.dir, 'nowhere')}\n`);
    }
  });

  it('a file that is not a log: every command that opens it says so in one line, exit 1', async () => {
    writeFileSync(defaultLogPath(home.dir), 'this is not a database, it is a shopping list\n'.repeat(100));
    const env = { PHOENIX_HOME: home.dir, LOG_LEVEL: 'silent', DASHBOARD_PORT: '0' };
    const commands = [
      ['replay'],
      ['query', 'alerts'],
      ['gates'],
      ['status'],
      ['approve', 'i-1', '--yes', '--as', 'alice'],
      ['reject', 'i-1', '--reason', 'no', '--as', 'alice'],
      ['close', 'p-1', '--as', 'alice'],
      ['halt', '--reason', 'test', '--as', 'alice'],
      ['resume', '--reason', 'test', '--as', 'alice'],
      ['watchdog'],
      ['run'],
    ];
    for (const argv of commands) {
      const r = await cli(argv, env, false);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr, argv.join(' ')).toMatch(new RegExp(`^phoenix ${argv[0]}: cannot open the event log at .*phoenix\\.db: SQLITE_NOTADB file is not a database\\n$`));
    }
    const real = await runPhoenix(['replay'], env);
    expect(real.code).toBe(1);
    expect(real.stderr).toMatch(/^phoenix replay: cannot open the event log at .*: SQLITE_NOTADB file is not a database\n$/);
  });

  it('covers the commands that read the log: none is left to its own handling', () => {
    const readers = ['replay', 'query', 'gates', 'status'];
    expect(COMMANDS.filter((c) => c.readOnly).map((c) => c.name).sort()).toEqual([...readers, 'config'].sort());
  });
});

describe('phoenix config check and the approval secret', () => {
  it('says where mock mode keeps its secret, and that paper will not start without one', async () => {
    const mock = await cli(['config', 'check'], { PHOENIX_HOME: home.dir }, false);
    expect(mock.stdout).toContain(`APPROVAL_TOKEN_SECRET is not set: in mock mode 'phoenix run' uses the secret kept in ${join(home.dir, 'approval-token.secret')}`);
    const paper = await cli(['config', 'check'], { PHOENIX_HOME: home.dir, IBKR_MODE: 'paper' }, false);
    expect(paper.stdout).toMatch(/'phoenix run' in PAPER refuses to start without it \(openssl rand -hex 32\)/);
    const set = await cli(['config', 'check'], { PHOENIX_HOME: home.dir, APPROVAL_TOKEN_SECRET: 'z'.repeat(40) }, false);
    expect(set.stdout).not.toMatch(/is not set/);
  });
});

describe('colour', () => {
  async function awaitingApproval(id: string): Promise<void> {
    const now = Date.now();
    const i = intent({ intent_id: id, created_at: new Date(now - 60_000).toISOString() });
    const flow = new ApprovalFlow(approvalInput({ intent: i, receivedAt: now, staleGateMs: 15 * 60_000, tokenTtlMs: 120_000 }));
    flow.holdSubmits = true;
    await flow.send({ type: 'VALIDATE', at: flow.now });
    await flow.send({ type: 'EVIDENCE_READY', evidence: evidence(i), at: flow.now });
    const log = new SqliteEventLog(defaultLogPath(home.dir));
    for (const b of flow.beads) await log.append(b.stream, [b]);
    await log.close();
  }

  it('on a terminal: errors and verdicts in colour; under NO_COLOR or into a pipe, none', async () => {
    const env = { PHOENIX_HOME: home.dir };
    const error = await cli(['replay', '--from', 'yesterday'], env, true);
    expect(error.code).toBe(2);
    expect(error.stderr).toContain(`${ESC}31m${ESC}1mphoenix replay:${ESC}22m${ESC}39m --from must be an ISO-8601 time`);
    expect((await cli(['replay', '--from', 'yesterday'], { ...env, NO_COLOR: '1' }, true)).stderr).not.toContain(ESC);
    expect((await cli(['replay', '--from', 'yesterday'], env, false)).stderr).not.toContain(ESC);

    await awaitingApproval('green-1');
    await awaitingApproval('plain-1');
    const approved = await cli(['approve', 'green-1', '--yes', '--as', 'alice'], env, true);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`${ESC}32mAPPROVE recorded${ESC}39m for green-1 by alice`);
    const plain = await cli(['approve', 'plain-1', '--yes', '--as', 'alice'], { ...env, NO_COLOR: 'yes' }, true);
    expect(plain.code).toBe(0);
    expect(plain.stdout + plain.stderr).not.toContain(ESC);
  });

  it('a real process writing into pipes has no colour', async () => {
    const r = await runPhoenix(['replay', '--from', 'yesterday'], { PHOENIX_HOME: home.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^phoenix replay: --from must be/);
    expect(r.stderr).not.toContain(ESC);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('a real process on a terminal (a pty from script(1)) is coloured, and not under NO_COLOR', async () => {
    const onTty = (extra: string) => shell(`${extra} script -qec 'phoenix replay --from yesterday' /dev/null`, { PHOENIX_HOME: home.dir });
    const coloured = await onTty('');
    expect(coloured.stdout).toContain(`${ESC}31m`);
    expect(coloured.stdout).toContain('phoenix replay:');
    const plain = await onTty('NO_COLOR=1');
    expect(plain.stdout).toContain('phoenix replay:');
    expect(plain.stdout).not.toContain(ESC);
  });
});
