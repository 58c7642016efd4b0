import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/config/load.ts';
import { runPhoenix } from '../support/phoenixProcess.ts';

describe('IBKR_MAINTENANCE_WINDOW (S3.1)', () => {
  it('is parsed at load: normalised when good, unset by default', () => {
    expect(loadConfig({}).IBKR_MAINTENANCE_WINDOW).toBeUndefined();
    expect(loadConfig({ IBKR_MAINTENANCE_WINDOW: ' 0:15-1:45  America/New_York' }).IBKR_MAINTENANCE_WINDOW).toBe('00:15-01:45 America/New_York');
  });

  it('a bad window stops the load with the variable named and what is allowed', () => {
    const attempt = (value: string) => () => loadConfig({ IBKR_MAINTENANCE_WINDOW: value });
    expect(attempt('tonight')).toThrow(ConfigError);
    expect(attempt('tonight')).toThrow(/IBKR_MAINTENANCE_WINDOW: must be HH:MM-HH:MM Zone, e\.g\. 23:45-00:45 America\/New_York \(got "tonight"\)/);
    expect(attempt('23:45-00:45 Gotham/City')).toThrow(/unknown time zone "Gotham\/City"/);
  });

  it('phoenix config check refuses it with exit 2 and shows a good one', async () => {
    const bad = await runPhoenix(['config', 'check'], { IBKR_MAINTENANCE_WINDOW: '23:45-24:45 UTC' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/IBKR_MAINTENANCE_WINDOW: .*hours run 00-23/);
    const good = await runPhoenix(['config', 'check'], { IBKR_MAINTENANCE_WINDOW: '23:45-00:45 America/New_York' });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/IBKR_MAINTENANCE_WINDOW\s+23:45-00:45 America\/New_York/);
  });
});
