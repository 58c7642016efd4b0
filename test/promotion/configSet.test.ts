import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bead, BeadOf } from '../../beads/index.ts';
import { readDotenv } from '../../runtime/config/dotenv.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';

/**
 * `phoenix config set KEY VALUE --reason TEXT` (issue 14): the value checked
 * by the configuration's own rules, .env rewritten in place, and a
 * CONFIG_CHANGE bead naming old and new, who and why.
 */

let temp: ReturnType<typeof makeTempDir>;
let envFile: string;
const env = () => ({ PHOENIX_HOME: join(temp.dir, 'var'), PHOENIX_ENV_FILE: envFile, USER: 'alice' });

async function beads(): Promise<Bead[]> {
  const log = new SqliteEventLog(defaultLogPath(join(temp.dir, 'var')), { readonly: true });
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  await log.close();
  return out;
}
const changes = async () => (await beads()).filter((b): b is BeadOf<'CONFIG_CHANGE'> => b.bead_type === 'CONFIG_CHANGE');

beforeEach(async () => {
  temp = makeTempDir('phoenix-config-set');
  envFile = join(temp.dir, '.env');
  writeFileSync(envFile, '# the desk\nORDER_UNITS=20000 # the strategist’s clip\n\n# approvals\nSTALE_GATE_MINUTES=15\n', { mode: 0o600 });
  // A log, as a host that ran here leaves one.
  const log = new SqliteEventLog(defaultLogPath(join(temp.dir, 'var')));
  await log.close();
});
afterEach(() => temp.remove());

describe('phoenix config set', () => {
  it('writes the value in place, keeping comments, order and mode, and records CONFIG_CHANGE with old, new, who and why', async () => {
    const r = await runCli(['config', 'set', 'ORDER_UNITS', '30000', '--reason', 'strategist: larger clips', '--as', 'bob'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toBe('# the desk\nORDER_UNITS=30000 # the strategist’s clip\n\n# approvals\nSTALE_GATE_MINUTES=15\n');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(r.stdout).toMatch(/ORDER_UNITS: 20000 → 30000, written to .*\.env/);
    expect(r.stdout).toMatch(/the desk returns to SHADOW, and a bunny sweep of flow \(CV_S33_10, .*\) runs the new value/);
    expect(r.stdout).toMatch(/takes effect at the host's next restart/);
    const [change] = await changes();
    expect(change?.data).toEqual({ key: 'ORDER_UNITS', old_value: 20000, new_value: 30000, who: 'cli:bob', reason: 'strategist: larger clips', source: 'CONFIG_SET', components: ['flow'] });
    expect(change?.host_id).toBe('phoenix-1-cli');
  });

  it('adds a setting .env does not have at its end, and a value with spaces quoted so .env reads it back', async () => {
    expect((await runCli(['config', 'set', 'ACTIVE_PAIRS', 'EURUSD,GBPUSD', '--reason', 'two pairs'], env())).code).toBe(0);
    expect(readFileSync(envFile, 'utf8').split('\n').at(-2)).toBe('ACTIVE_PAIRS=EURUSD,GBPUSD');
    expect((await runCli(['config', 'set', 'IBKR_MAINTENANCE_WINDOW', '23:45-00:45 America/New_York', '--reason', 'IB'], env())).code).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toContain('IBKR_MAINTENANCE_WINDOW="23:45-00:45 America/New_York"');
    expect(readDotenv(envFile)).toMatchObject({ ORDER_UNITS: '20000', ACTIVE_PAIRS: 'EURUSD,GBPUSD', IBKR_MAINTENANCE_WINDOW: '23:45-00:45 America/New_York' });
  });

  it('a secret: only that it changed, never its value, in the bead or on the screen', async () => {
    const secret = 'n'.repeat(40);
    const r = await runCli(['config', 'set', 'APPROVAL_TOKEN_SECRET', secret, '--reason', 'rotated'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/APPROVAL_TOKEN_SECRET: changed \(a secret: no value is shown or recorded\)/);
    expect(r.stdout).not.toContain(secret);
    const [change] = await changes();
    expect(change?.data).toMatchObject({ key: 'APPROVAL_TOKEN_SECRET', secret: true });
    expect(JSON.stringify(change)).not.toContain(secret);
    expect(change?.data.new_value).toBeUndefined();
  });

  it('refuses a value its rule refuses, an unknown setting, a missing reason (exit 2), and writes nothing', async () => {
    const before = readFileSync(envFile, 'utf8');
    const big = await runCli(['config', 'set', 'ORDER_UNITS', '200000', '--reason', 'x'], env());
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/ORDER_UNITS \(200000\) must not exceed MAX_ORDER_UNITS \(100000\)/);
    const nan = await runCli(['config', 'set', 'HEARTBEAT_INTERVAL_S', 'soon', '--reason', 'x'], env());
    expect(nan).toMatchObject({ code: 2, stderr: expect.stringMatching(/HEARTBEAT_INTERVAL_S: must be a number \(got "soon"\)/) });
    expect((await runCli(['config', 'set', 'ORDER_UNIT', '1', '--reason', 'x'], env())).stderr).toMatch(/ORDER_UNIT is not a Phoenix setting/);
    expect((await runCli(['config', 'set', 'ORDER_UNITS', '25000'], env())).stderr).toMatch(/--reason "TEXT" is required/);
    for (const r of [big, nan]) expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(envFile, 'utf8')).toBe(before);
    expect(await changes()).toEqual([]);
  });

  it('refuses when the environment sets the key, which would win over .env (exit 1)', async () => {
    const r = await runCli(['config', 'set', 'ORDER_UNITS', '30000', '--reason', 'x'], { ...env(), ORDER_UNITS: '25000' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ORDER_UNITS is set in the environment, which wins over .*: change it there/);
  });

  it('the desk’s wiring is written but is no parameter change: no CONFIG_CHANGE; the same value changes nothing', async () => {
    const wiring = await runCli(['config', 'set', 'LOG_LEVEL', 'debug', '--reason', 'looking'], env());
    expect(wiring.stdout).toMatch(/LOG_LEVEL is the desk's wiring, not a parameter under validation: no CONFIG_CHANGE/);
    const same = await runCli(['config', 'set', 'STALE_GATE_MINUTES', '15', '--reason', 'x'], env());
    expect(same).toMatchObject({ code: 0, stdout: expect.stringMatching(/STALE_GATE_MINUTES is already 15: nothing changed, nothing recorded/) });
    expect(await changes()).toEqual([]);
  });
});
