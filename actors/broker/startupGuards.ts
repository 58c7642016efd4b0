import type { Mode } from '../../beads/index.ts';
import type { Config } from '../../runtime/config/load.ts';

/**
 * Startup validation (S4.1). Pure: the configuration plus the facts the host
 * gathered (paper gates from the log, managed accounts from the broker). Any
 * problem means GUARD_FAILED, a clear message and an exit code, and no order.
 * The mode rules here are the same ones the submit guard applies per order.
 */

export type StartupConfig = Pick<Config, 'mode' | 'IBKR_ALLOW_LIVE' | 'IBKR_ACCOUNT' | 'ibkrPort' | 'IBKR_PAPER_PORT' | 'IBKR_LIVE_PORT'>;

export interface StartupFacts {
  /** The S11 paper gates hold, as derived from the log. */
  paperValidationComplete: boolean;
  /** The broker's managed accounts; omitted before the socket is up, which skips that one check. */
  managedAccounts?: readonly string[];
}

export type StartupGuard = 'LIVE_ALLOWED' | 'PAPER_FIRST' | 'ACCOUNT_SET' | 'ACCOUNT_PREFIX' | 'PORT' | 'MANAGED_ACCOUNT';

export interface GuardProblem {
  guard: StartupGuard;
  message: string;
}

export type StartupVerdict = { ok: true } | { ok: false; problems: GuardProblem[]; message: string };

/** Why an account cannot trade in a mode; undefined when it can. Paper accounts start DU, live ones U. */
export function accountPrefixProblem(mode: Mode, account: string): string | undefined {
  if (mode === 'PAPER' && !account.startsWith('DU')) return `account ${account} is not a paper account (paper accounts start with DU)`;
  if (mode === 'LIVE' && !account.startsWith('U')) return `account ${account} is not a live account (live accounts start with U)`;
  return undefined;
}

/** The only port a mode may use; undefined for mock, which has no socket rule. */
export function expectedPortFor(mode: Mode, config: Pick<Config, 'IBKR_PAPER_PORT' | 'IBKR_LIVE_PORT'>): number | undefined {
  if (mode === 'PAPER') return config.IBKR_PAPER_PORT;
  if (mode === 'LIVE') return config.IBKR_LIVE_PORT;
  return undefined;
}

export function portProblem(mode: Mode, port: number, config: Pick<Config, 'IBKR_PAPER_PORT' | 'IBKR_LIVE_PORT'>): string | undefined {
  const expected = expectedPortFor(mode, config);
  if (expected === undefined || port === expected) return undefined;
  const name = mode === 'LIVE' ? 'IBKR_LIVE_PORT' : 'IBKR_PAPER_PORT';
  return `port ${port} is not the ${mode} port (${name}=${expected})`;
}

export function checkStartupGuards(config: StartupConfig, facts: StartupFacts): StartupVerdict {
  const problems: GuardProblem[] = [];
  const { mode } = config;
  if (mode === 'LIVE' && !config.IBKR_ALLOW_LIVE) {
    problems.push({ guard: 'LIVE_ALLOWED', message: 'IBKR_MODE=live needs IBKR_ALLOW_LIVE=true' });
  }
  if (mode === 'LIVE' && !facts.paperValidationComplete) {
    problems.push({ guard: 'PAPER_FIRST', message: 'IBKR_MODE=live needs paper validation complete first (the S11 gates do not hold in the log)' });
  }
  const account = config.IBKR_ACCOUNT;
  if (account === undefined) {
    // Mock may trade any account it is given; a real gateway may not.
    if (mode !== 'MOCK') problems.push({ guard: 'ACCOUNT_SET', message: `IBKR_MODE=${mode.toLowerCase()} needs IBKR_ACCOUNT` });
  } else {
    const prefix = accountPrefixProblem(mode, account);
    if (prefix) problems.push({ guard: 'ACCOUNT_PREFIX', message: prefix });
  }
  const port = portProblem(mode, config.ibkrPort, config);
  if (port) problems.push({ guard: 'PORT', message: port });
  if (account !== undefined && facts.managedAccounts !== undefined && !facts.managedAccounts.includes(account)) {
    const listed = facts.managedAccounts.length > 0 ? facts.managedAccounts.join(', ') : 'none';
    problems.push({ guard: 'MANAGED_ACCOUNT', message: `the gateway does not manage IBKR_ACCOUNT=${account} (it manages: ${listed})` });
  }
  if (problems.length === 0) return { ok: true };
  return {
    ok: false,
    problems,
    message: `startup guards failed in ${mode} mode:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
  };
}
