/**
 * INV-IBKR-CONFIG-1: no credential in code or log (S4.1, S14). Two halves: a
 * scan of every git-tracked file for credential-like strings, and a real run
 * of `phoenix run` with secrets configured, whose pino logs and beads must
 * not contain any of their values.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { simEnv } from '../chaos/brokerRig.ts';
import { FakeBotApi } from '../fakes/botApi.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Values everyone knows are not secrets: documentation and test placeholders. */
const PLACEHOLDER_PASSWORDS = new Set(['changeit', 'hunter2', 'password', 'secret', 'pass', '***']);

interface Finding {
  file: string;
  what: string;
  text: string;
}

const RULES: { what: string; re: RegExp; allowed?: (match: RegExpExecArray) => boolean }[] = [
  // A fixture token says it is not real in its own text; a real one is random base64url.
  { what: 'Telegram bot token', re: /\b\d{8,10}:[A-Za-z0-9_-]{35,}/g, allowed: (m) => /fake|test|example|dummy|some|other/i.test(m[0]) },
  {
    what: 'EventStoreDB URL with a password',
    re: /\b(?:esdb|kurrentdb)(?:\+discover)?:\/\/[^\s:@/'"`]+:([^\s@/'"`]+)@/g,
    allowed: (m) => PLACEHOLDER_PASSWORDS.has(m[1] ?? ''),
  },
  { what: 'private key', re: new RegExp(['-----BEGIN', '[A-Z ]*PRIVATE KEY-----'].join(' '), 'g') },
  { what: 'AWS access key', re: /\bAKIA[0-9A-Z]{16}\b/g },
  { what: 'GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{36,}/g },
  { what: 'Slack token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { what: 'secret assigned a value', re: /^[ \t]*(?:export[ \t]+)?(?:APPROVAL_TOKEN_SECRET|TELEGRAM_BOT_TOKEN|EVENTSTORE_CONNECTION_STRING)[ \t]*=[ \t]*['"]?([^\s'"#]+)/gm },
];

/** Findings in one file's text; `envFile` turns on the KEY=value rule, which only means something in a .env file. */
function scanText(file: string, text: string, envFile: boolean): Finding[] {
  const out: Finding[] = [];
  for (const rule of RULES) {
    if (rule.what === 'secret assigned a value' && !envFile) continue;
    for (const m of text.matchAll(rule.re)) {
      if (rule.allowed?.(m as RegExpExecArray)) continue;
      out.push({ file, what: rule.what, text: m[0].slice(0, 24) });
    }
  }
  return out;
}

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
}

describe('INV-IBKR-CONFIG-1', () => {
  it('INV-IBKR-CONFIG-1: the scanner finds what it looks for (a planted token, key, password URL and .env value)', () => {
    const token = `${'7'.repeat(10)}:${'Q'.repeat(20)}${randomBytes(12).toString('hex')}`;
    expect(scanText('a.ts', `const t = '${token}';`, false).map((f) => f.what)).toEqual(['Telegram bot token']);
    // Planted strings are assembled at run time, so this file itself stays clean for the tree scan.
    const url = ['esdb://admin:', randomBytes(6).toString('hex'), '@db:2113'].join('');
    expect(scanText('a.ts', url, false).map((f) => f.what)).toEqual(['EventStoreDB URL with a password']);
    expect(scanText('a.ts', 'esdb://admin:changeit@127.0.0.1:2113', false)).toEqual([]);
    expect(scanText('.env.example', 'APPROVAL_TOKEN_SECRET=\nTELEGRAM_BOT_TOKEN= # from BotFather', true)).toEqual([]);
    expect(scanText('.env.example', ['APPROVAL_TOKEN_SECRET', 'abc123abc123'].join('='), true).map((f) => f.what)).toEqual(['secret assigned a value']);
    expect(scanText('k.pem', ['-----BEGIN RSA', 'PRIVATE KEY-----'].join(' '), false).map((f) => f.what)).toEqual(['private key']);
  });

  it('INV-IBKR-CONFIG-1: no git-tracked file holds a credential, and no .env file is tracked', () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(50);
    const envFiles = files.filter((f) => /^\.env(\..+)?$/.test(basename(f)) && basename(f) !== '.env.example');
    expect(envFiles).toEqual([]);
    const findings: Finding[] = [];
    for (const file of files) {
      const path = join(ROOT, file);
      let size = 0;
      try {
        size = statSync(path).size;
      } catch {
        continue; // deleted in the work tree
      }
      if (size > 2_000_000) continue;
      const text = readFileSync(path, 'utf8');
      if (text.includes('\0')) continue;
      findings.push(...scanText(file, text, basename(file).startsWith('.env')));
    }
    expect(findings).toEqual([]);
  });
});

describe('INV-IBKR-CONFIG-1 in a run', () => {
  let sim: GatewaySimHandle;
  const home = makeTempDir('phoenix-secrets');
  beforeAll(async () => {
    sim = await startGatewaySim({ serverVersion: 193 });
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
    home.remove();
  });

  it('INV-IBKR-CONFIG-1: with secrets configured, neither the pino logs nor the beads of a run with a gateway loss contain them', async () => {
    const secrets = {
      APPROVAL_TOKEN_SECRET: randomBytes(32).toString('hex'),
      TELEGRAM_BOT_TOKEN: `${4_000_000_000 + Math.floor(Math.random() * 1e8)}:${randomBytes(24).toString('base64url')}`,
    };
    // The real Telegram client talks to a loopback Bot API, so the token is really used, in every URL.
    const bot = await FakeBotApi.start({ token: secrets.TELEGRAM_BOT_TOKEN });
    const host = startPhoenix(['run'], {
      ...simEnv(sim, 71, 0.2),
      ...secrets,
      TELEGRAM_CHAT_ID: '42',
      TELEGRAM_API_ROOT: bot.apiRoot,
      PHOENIX_HOME: home.dir,
      DASHBOARD_PORT: '0',
      LOG_LEVEL: 'debug',
    });
    await host.waitForOutput(/socket connected/);
    // A loss and a reconnect put the connection's whole vocabulary into the log and the beads.
    await sim.respawn();
    await host.waitForOutput(/IB connection CONNECTED[\s\S]*IB connection RECONNECTING[\s\S]*IB connection CONNECTED/, 30_000);
    host.child.kill('SIGTERM');
    const end = await host.done;
    await bot.close();
    expect(end.code).toBe(0);

    const output = end.stdout + end.stderr;
    expect(output).toMatch(/"actor":"broker/);
    const log = new SqliteEventLog(defaultLogPath(home.dir), { readonly: true });
    let beads = '';
    for await (const e of log.readAll()) beads += `${JSON.stringify(e)}\n`;
    await log.close();
    expect(beads).toMatch(/IBKR_SESSION/);
    for (const [name, value] of Object.entries(secrets)) {
      expect(output.includes(value), `${name} in the logs`).toBe(false);
      expect(beads.includes(value), `${name} in the beads`).toBe(false);
      // Not even a recognisable piece of it.
      expect(output.includes(value.slice(-16)) || beads.includes(value.slice(-16)), `part of ${name}`).toBe(false);
    }
  }, 60_000);
});
