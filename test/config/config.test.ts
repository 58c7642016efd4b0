import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPROVAL_SECRET_FILE, ensureApprovalSecret } from '../../runtime/config/approvalSecret.ts';
import { parseDotenv } from '../../runtime/config/dotenv.ts';
import { ConfigError, describeConfig, loadConfig } from '../../runtime/config/load.ts';
import { ENV_KEYS } from '../../runtime/config/schema.ts';
import { makeTempDir } from '../support/tempDir.ts';

const SECRET = 'x'.repeat(40);

describe('configuration', () => {
  it('starts in mock mode on the embedded log with no configuration at all', () => {
    const c = loadConfig({}, '/srv/phoenix');
    expect(c.mode).toBe('MOCK');
    expect(c.logBackend).toBe('sqlite');
    expect(c.homeDir).toBe('/srv/phoenix/var');
    expect(c.ACTIVE_PAIRS).toEqual(['EURUSD']);
    expect(c.DASHBOARD_HOST).toBe('127.0.0.1');
  });

  it('is frozen: nothing can change the mode in process', () => {
    const c = loadConfig({ IBKR_MODE: 'paper' });
    expect(() => {
      (c as { mode: string }).mode = 'LIVE';
    }).toThrow(TypeError);
    expect(Object.isFrozen(c.ACTIVE_PAIRS)).toBe(true);
  });

  it('names the variable and what is allowed when a value is bad', () => {
    const err = (() => {
      try {
        loadConfig({ IBKR_MODE: 'papr', ORDER_UNITS: '1.5', ACTIVE_PAIRS: 'EURUSD,XAUUSD' });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/IBKR_MODE: .*"mock"\|"paper"\|"live".*got "papr"/);
    expect(err.message).toMatch(/ORDER_UNITS: must be a whole number/);
    expect(err.message).toMatch(/ACTIVE_PAIRS: .*EURUSD, GBPUSD/);
  });

  it('refuses equal paper and live ports and units above the cap', () => {
    expect(() => loadConfig({ IBKR_PAPER_PORT: '4002', IBKR_LIVE_PORT: '4002' })).toThrow(/must differ/);
    expect(() => loadConfig({ ORDER_UNITS: '200000' })).toThrow(/must not exceed MAX_ORDER_UNITS/);
  });

  it('picks the port by mode unless IBKR_PORT is set', () => {
    expect(loadConfig({ IBKR_MODE: 'paper' }).ibkrPort).toBe(4002);
    expect(loadConfig({ IBKR_MODE: 'live' }).ibkrPort).toBe(4001);
    expect(loadConfig({ IBKR_MODE: 'paper', IBKR_PORT: '7497' }).ibkrPort).toBe(7497);
  });

  it('masks secrets when describing the effective configuration, and never puts them in the hash input', () => {
    const c = loadConfig({
      APPROVAL_TOKEN_SECRET: SECRET,
      TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      EVENTSTORE_CONNECTION_STRING: 'esdb://admin:hunter2@127.0.0.1:2113?tls=false',
    });
    const text = describeConfig(c).map(([k, v]) => `${k}=${v}`).join('\n');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('esdb://***:***@127.0.0.1:2113');
    expect(c.logBackend).toBe('eventstoredb');
    const other = loadConfig({ APPROVAL_TOKEN_SECRET: 'y'.repeat(40) });
    expect(other.configHash).toBe(loadConfig({}).configHash);
  });

  it('does not echo a bad secret back in the error', () => {
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'not-a-token-but-secret' })).toThrow(/TELEGRAM_BOT_TOKEN: .*\(value hidden\)/);
    try {
      loadConfig({ TELEGRAM_BOT_TOKEN: 'not-a-token-but-secret' });
    } catch (e) {
      expect((e as Error).message).not.toContain('not-a-token-but-secret');
    }
  });

  it('reads .env lines, quotes and comments, and says which line is broken', () => {
    expect(parseDotenv('# c\nA=1\nexport B="two words"\nC=x # note\n')).toEqual({ A: '1', B: 'two words', C: 'x' });
    expect(() => parseDotenv('A=1\nnot a line\n', '.env')).toThrow('.env:2: expected KEY=value');
  });

  it('.env.example documents every variable the schema reads, and nothing else', () => {
    const documented = Object.keys(parseDotenv(readFileSync('.env.example', 'utf8')));
    expect([...documented].sort()).toEqual([...ENV_KEYS].sort());
  });

  it('LOG_FORMAT is pretty, json or auto (the default), and PHOENIX_OPERATOR a plain name', () => {
    expect(loadConfig({}).LOG_FORMAT).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT: .*"auto"\|"pretty"\|"json".*got "yaml"/);
    expect(loadConfig({ PHOENIX_OPERATOR: 'alice' }).PHOENIX_OPERATOR).toBe('alice');
    expect(() => loadConfig({ PHOENIX_OPERATOR: 'alice smith' })).toThrow(/PHOENIX_OPERATOR: a plain name/);
  });

  it('knows the OS user from USER, else LOGNAME, else the account', () => {
    expect(loadConfig({ USER: 'alice', LOGNAME: 'bob' }).osUser).toBe('alice');
    expect(loadConfig({ LOGNAME: 'bob' }).osUser).toBe('bob');
    expect(loadConfig({}).osUser).toEqual(expect.any(String));
  });
});

describe('the approval secret', () => {
  const withHome = <T>(use: (home: string) => T): T => {
    const temp = makeTempDir('phoenix-secret');
    try {
      return use(temp.dir);
    } finally {
      temp.remove();
    }
  };

  it('paper and live need APPROVAL_TOKEN_SECRET, and say how to make one', () => {
    for (const mode of ['paper', 'live']) {
      expect(() => ensureApprovalSecret(loadConfig({ IBKR_MODE: mode }))).toThrow(new RegExp(`APPROVAL_TOKEN_SECRET: not set; IBKR_MODE=${mode}[\\s\\S]*openssl rand -hex 32`));
    }
    const configured = loadConfig({ IBKR_MODE: 'paper', APPROVAL_TOKEN_SECRET: SECRET });
    expect(ensureApprovalSecret(configured)).toEqual({ config: configured, source: { from: 'environment' } });
  });

  it('mock mode makes one secret, 0600, and every later start gets the same one; the config hash does not change', () =>
    withHome((home) => {
      const config = loadConfig({ PHOENIX_HOME: home });
      const first = ensureApprovalSecret(config);
      const path = join(home, APPROVAL_SECRET_FILE);
      expect(first.source).toEqual({ from: 'file', path, created: true });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(first.config.APPROVAL_TOKEN_SECRET).toMatch(/^[0-9a-f]{64}$/);
      expect(first.config.configHash).toBe(config.configHash);
      expect(Object.isFrozen(first.config)).toBe(true);
      const again = ensureApprovalSecret(config);
      expect(again.source).toEqual({ from: 'file', path, created: false });
      expect(again.config.APPROVAL_TOKEN_SECRET).toBe(first.config.APPROVAL_TOKEN_SECRET);
    }));

  it('refuses a kept secret others can read, or one too short to sign with', () =>
    withHome((home) => {
      const config = loadConfig({ PHOENIX_HOME: home });
      const path = join(home, APPROVAL_SECRET_FILE);
      ensureApprovalSecret(config);
      chmodSync(path, 0o644);
      expect(() => ensureApprovalSecret(config)).toThrow(/readable by others \(mode 0644\): chmod 600/);
      writeFileSync(path, 'short\n', { mode: 0o600 });
      chmodSync(path, 0o600);
      expect(() => ensureApprovalSecret(config)).toThrow(/does not hold a usable approval secret/);
    }));
});
