import { describe, expect, it } from 'vitest';
import { checkStartupGuards, type StartupVerdict } from '../../actors/broker/startupGuards.ts';
import { loadConfig } from '../../runtime/config/load.ts';

const PAPER = { IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU1234567' };
const LIVE = { IBKR_MODE: 'live', IBKR_ACCOUNT: 'U7654321', IBKR_ALLOW_LIVE: 'true' };
const passed = { paperValidationComplete: true, managedAccounts: ['DU1234567', 'U7654321'] };

function guardsOf(verdict: StartupVerdict): string[] {
  return verdict.ok ? [] : verdict.problems.map((p) => p.guard);
}

describe('startup guards', () => {
  it('pass a paper account on the paper port that the gateway manages', () => {
    expect(checkStartupGuards(loadConfig(PAPER), passed)).toEqual({ ok: true });
  });

  it('pass mock mode with no account at all', () => {
    expect(checkStartupGuards(loadConfig({}), { paperValidationComplete: false, managedAccounts: ['DU0'] })).toEqual({ ok: true });
  });

  it('refuse a live account in paper mode and a paper account in live mode (DU starts with D, not U)', () => {
    expect(guardsOf(checkStartupGuards(loadConfig({ ...PAPER, IBKR_ACCOUNT: 'U7654321' }), passed))).toEqual(['ACCOUNT_PREFIX']);
    expect(guardsOf(checkStartupGuards(loadConfig({ ...LIVE, IBKR_ACCOUNT: 'DU1234567' }), passed))).toEqual(['ACCOUNT_PREFIX']);
  });

  it('refuse a port that is not the mode port, naming the variable', () => {
    const verdict = checkStartupGuards(loadConfig({ ...PAPER, IBKR_PORT: '4001' }), passed);
    expect(guardsOf(verdict)).toEqual(['PORT']);
    expect(verdict.ok ? '' : verdict.message).toContain('port 4001 is not the PAPER port (IBKR_PAPER_PORT=4002)');
  });

  it('accept the ports a TWS user or a test sets, as long as they belong to the mode', () => {
    const tws = loadConfig({ ...PAPER, IBKR_PAPER_PORT: '7497', IBKR_LIVE_PORT: '7496' });
    expect(checkStartupGuards(tws, passed)).toEqual({ ok: true });
  });

  it('refuse an account the gateway does not manage, listing the ones it does', () => {
    const verdict = checkStartupGuards(loadConfig(PAPER), { paperValidationComplete: true, managedAccounts: ['DU9999999'] });
    expect(guardsOf(verdict)).toEqual(['MANAGED_ACCOUNT']);
    expect(verdict.ok ? '' : verdict.message).toContain('it manages: DU9999999');
  });

  it('refuse paper or live without IBKR_ACCOUNT, and report every problem (phoenix run turns it into exit 3)', () => {
    const verdict = checkStartupGuards(loadConfig({ IBKR_MODE: 'live', IBKR_PORT: '4002' }), { paperValidationComplete: false });
    expect(guardsOf(verdict)).toEqual(['LIVE_ALLOWED', 'PAPER_FIRST', 'ACCOUNT_SET', 'PORT']);
    expect(verdict.ok ? '' : verdict.message).toMatch(/startup guards failed in LIVE mode/);
  });
});

describe('INV-IBKR-PAPER-GUARD-1: live without IBKR_ALLOW_LIVE=true is refused at start', () => {
  it('refuses live mode when IBKR_ALLOW_LIVE is unset or false, even with the paper gates held', () => {
    for (const allow of [undefined, 'false']) {
      const config = loadConfig({ ...LIVE, IBKR_ALLOW_LIVE: allow });
      expect(guardsOf(checkStartupGuards(config, passed))).toEqual(['LIVE_ALLOWED']);
    }
    expect(checkStartupGuards(loadConfig(LIVE), passed)).toEqual({ ok: true });
  });
});

describe('INV-IBKR-PAPER-FIRST-1: live is refused at start until the paper gates hold in the log', () => {
  it('refuses live with IBKR_ALLOW_LIVE=true while paper validation is incomplete', () => {
    const verdict = checkStartupGuards(loadConfig(LIVE), { ...passed, paperValidationComplete: false });
    expect(guardsOf(verdict)).toEqual(['PAPER_FIRST']);
  });
});
