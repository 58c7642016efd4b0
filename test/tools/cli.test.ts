import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../tools/cli.ts';
import { COMMAND_LOADERS } from '../../tools/commandIndex.ts';
import { cleanEnv, runPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from './commandIo.ts';

describe('the phoenix CLI', () => {
  it.each(COMMANDS.map((c) => c.name))('%s has --help with a usage line', async (name) => {
    const r = await runCli([name, '--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Usage: phoenix ${name}`));
  });

  it('a process started for one command loads that very command: the index names every command of the registry, and no other', async () => {
    expect(Object.keys(COMMAND_LOADERS).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
    for (const c of COMMANDS) expect(await COMMAND_LOADERS[c.name]!(), c.name).toBe(c);
  });

  it('lists every command, and refuses an unknown one with exit 2', async () => {
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toContain(c.name);
    const unknown = await runCli(['explode'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "explode"/);
  });

  it('config check masks secrets and exits 2 naming a bad variable', async () => {
    const secret = 's'.repeat(48);
    const ok = await runCli(['config', 'check'], { APPROVAL_TOKEN_SECRET: secret });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/APPROVAL_TOKEN_SECRET\s+\*\*\*\*ss \(48 chars\)/);
    expect(ok.stdout).not.toContain(secret);
    const bad = await runCli(['config', 'check'], { DASHBOARD_PORT: '99999' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/DASHBOARD_PORT: must be at most 65535/);
  });
});

describe('the phoenix CLI as a process reads .env', () => {
  it('takes settings from PHOENIX_ENV_FILE under the environment, and refuses a bad one naming the variable', async () => {
    const temp = makeTempDir('phoenix-dotenv');
    try {
      const envFile = join(temp.dir, '.env');
      writeFileSync(envFile, `# the desk's settings\nPHOENIX_HOME=${join(temp.dir, 'desk')}\nORDER_UNITS=30000\n`);
      const read = await runPhoenix(['config', 'check', '--json'], cleanEnv({ PHOENIX_ENV_FILE: envFile, ORDER_UNITS: '25000' }));
      expect(read.code, read.stderr).toBe(0);
      const shown = JSON.stringify(JSON.parse(read.stdout));
      expect(shown).toContain(join(temp.dir, 'desk'));
      // The environment wins over the file.
      expect(shown).toMatch(/"ORDER_UNITS":\{?[^}]*25000/);

      writeFileSync(envFile, 'IBKR_MODE=bogus\n');
      const bad = await runPhoenix(['config', 'check'], cleanEnv({ PHOENIX_ENV_FILE: envFile }));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/IBKR_MODE/);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    } finally {
      temp.remove();
    }
  });
});
