import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../../actors/config/dotenv.ts';
import { ConfigError, describeConfig, loadConfig } from '../../actors/config/load.ts';
import { ENV_KEYS } from '../../actors/config/schema.ts';

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
});
