import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import type { CommandIo } from '../../tools/command.ts';
import { telegramTestCommand } from '../../tools/commands/telegramTest.ts';
import { FakeBotApi } from '../fakes/botApi.ts';
import { CHAT_ID, TEST_TOKEN } from './telegramHarness.ts';

async function run(argv: string[], env: Record<string, string>, cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const io: CommandIo = { stdout, stderr, stdin: process.stdin, env, cwd, signal: new AbortController().signal };
  const code = await telegramTestCommand.run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('phoenix telegram test', () => {
  let home: string;
  let fake: FakeBotApi;
  let env: Record<string, string>;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'phoenix-telegram-'));
    fake = await FakeBotApi.start({ token: TEST_TOKEN });
    env = { PHOENIX_HOME: home, TELEGRAM_BOT_TOKEN: TEST_TOKEN, TELEGRAM_CHAT_ID: CHAT_ID, TELEGRAM_API_ROOT: fake.apiRoot };
  });

  afterEach(async () => {
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('INV-TELEGRAM-LIVE-1: sends a test alert to the configured chat and records it as delivered', async () => {
    const r = await run(['test'], env, home);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Delivered to chat ${CHAT_ID} (message 1).`);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]!.chat_id).toBe(CHAT_ID);
    expect(fake.messages[0]!.text).toContain('Test alert');
    expect(fake.messages[0]!.text).toContain('Runbook: RB-006_TELEGRAM_DOWN');
    const log = new SqliteEventLog(defaultLogPath(home));
    const alerts = await log.readStream('alerts');
    await log.close();
    expect(alerts.map((e) => e.kind === 'bead' && e.bead.bead_type === 'ALERT' && [e.bead.data.event, e.bead.data.alert_type, e.bead.data.delivered_as ?? null])).toEqual([
      ['RAISED', 'TEST_ALERT', null],
      ['SENT', 'TEST_ALERT', 'telegram:1'],
    ]);
    expect(r.stdout + r.stderr).not.toContain(TEST_TOKEN);
  });

  it('says clearly what to set when no token or chat is configured', async () => {
    const r = await run(['test'], { PHOENIX_HOME: home }, home);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Telegram is not configured: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID');
    expect(fake.calls).toHaveLength(0);
  });

  it('reports a refused token without printing it, and exits 1', async () => {
    const r = await run(['test', '--no-record'], { ...env, TELEGRAM_BOT_TOKEN: '7012345678:AAH_someOtherTokenThatIsWrong_987654' }, home);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not delivered: Telegram 401: Unauthorized');
    expect(r.stderr).toContain('Check TELEGRAM_BOT_TOKEN');
    expect(r.stderr).not.toContain('AAH_someOtherTokenThatIsWrong');
  });

  it('reports an unreachable Bot API with a hint, and exits 1', async () => {
    await fake.stopListening();
    const r = await run(['test'], env, home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not delivered: .*ECONNREFUSED/);
    expect(r.stderr).toContain('RB-006_TELEGRAM_DOWN');
  });

  it('has --help, and refuses an unknown subcommand', async () => {
    const help = await run(['--help'], env, home);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: phoenix telegram test');
    const bad = await run(['send'], env, home);
    expect(bad.code).toBe(2);
  });
});
