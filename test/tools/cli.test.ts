import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandIo } from '../../tools/command.ts';
import { COMMANDS, main } from '../../tools/cli.ts';

function io(env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const value: CommandIo = { stdout, stderr, stdin: new PassThrough(), env, cwd: process.cwd(), signal: new AbortController().signal };
  return { value, out: () => out, err: () => err };
}

describe('the phoenix CLI', () => {
  it.each(COMMANDS.map((c) => c.name))('%s has --help with a usage line', async (name) => {
    const t = io();
    expect(await main([name, '--help'], t.value)).toBe(0);
    expect(t.out()).toMatch(new RegExp(`Usage: phoenix ${name}`));
  });

  it('lists every command, and refuses an unknown one with exit 2', async () => {
    const help = io();
    expect(await main(['--help'], help.value)).toBe(0);
    for (const c of COMMANDS) expect(help.out()).toContain(c.name);
    const t = io();
    expect(await main(['explode'], t.value)).toBe(2);
    expect(t.err()).toMatch(/unknown command "explode"/);
  });

  it('config check masks secrets and exits 2 naming a bad variable', async () => {
    const secret = 's'.repeat(48);
    const ok = io({ APPROVAL_TOKEN_SECRET: secret });
    expect(await main(['config', 'check'], ok.value)).toBe(0);
    expect(ok.out()).toMatch(/APPROVAL_TOKEN_SECRET\s+\*\*\*\*ss \(48 chars\)/);
    expect(ok.out()).not.toContain(secret);
    const bad = io({ DASHBOARD_PORT: '99999' });
    expect(await main(['config', 'check'], bad.value)).toBe(2);
    expect(bad.err()).toMatch(/DASHBOARD_PORT: must be at most 65535/);
  });
});
