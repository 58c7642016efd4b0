/**
 * deploy/systemd/: the host and the watchdog as services, 24/7. What an
 * operator relies on: each runs as the `phoenix` service user (never root),
 * from the install folder, with .env as its environment, logs to journald,
 * is restarted after a crash, and the host is NOT restarted after exit 5
 * (ESCALATED, S3.1: a person restarts it). `systemd-analyze verify` checks
 * the files as systemd itself reads them, where it is installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../tools/command.ts';

const DIR = fileURLToPath(new URL('../../deploy/systemd/', import.meta.url));
const UNITS = ['phoenix.service', 'phoenix-watchdog.service'] as const;

type Unit = Record<string, Record<string, string[]>>;

/** systemd's INI: sections, `Key=value` (a key may repeat), comments with # or ;. */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      unit[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    expect(eq, `a Key=value line in [${section}]: ${line}`).toBeGreaterThan(0);
    const key = line.slice(0, eq).trim();
    const values = unit[section]![key] ?? [];
    values.push(line.slice(eq + 1).trim());
    unit[section]![key] = values;
  }
  return unit;
}

const read = (name: string) => parseUnit(readFileSync(`${DIR}${name}`, 'utf8'));
const one = (unit: Unit, section: string, key: string) => unit[section]?.[key]?.at(-1);

function systemdAnalyze(): boolean {
  return spawnSync('systemd-analyze', ['--version']).status === 0;
}

describe('the systemd units (deploy/systemd)', () => {
  it.each(UNITS)('%s: its own service user, the install folder, .env, journald, restarted on failure', (name) => {
    const unit = read(name);
    const service = unit.Service!;
    expect(one(unit, 'Service', 'User')).toBe('phoenix');
    expect(one(unit, 'Service', 'Group')).toBe('phoenix');
    expect(one(unit, 'Service', 'WorkingDirectory')).toBe('/opt/phoenix');
    expect(one(unit, 'Service', 'EnvironmentFile')).toBe('/opt/phoenix/.env');
    expect(service.Environment).toContain('PHOENIX_HOME=/var/lib/phoenix');
    expect(one(unit, 'Service', 'StandardOutput')).toBe('journal');
    expect(one(unit, 'Service', 'StandardError')).toBe('journal');
    expect(one(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(one(unit, 'Service', 'ExecStart')).toMatch(/^\/usr\/bin\/node \/opt\/phoenix\/bin\/phoenix\.mjs (run|watchdog)$/);
    expect(one(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('the host is not restarted after ESCALATED (exit 5), nor after bad configuration or a failed guard; the watchdog runs beside it', () => {
    const host = read('phoenix.service');
    expect(one(host, 'Service', 'ExecStart')).toMatch(/ run$/);
    const prevented = (one(host, 'Service', 'RestartPreventExitStatus') ?? '').split(/\s+/).map(Number);
    expect(prevented).toContain(EXIT.escalated);
    expect(prevented).toEqual(expect.arrayContaining([EXIT.usage, EXIT.guardFailed]));
    // Exit 4 (the lease still held by a host that just died) mends itself once the lease lapses: restart.
    expect(prevented).not.toContain(EXIT.leaseHeld);
    const watchdog = read('phoenix-watchdog.service');
    expect(one(watchdog, 'Service', 'ExecStart')).toMatch(/ watchdog$/);
    expect(one(watchdog, 'Service', 'RestartPreventExitStatus')).toBeUndefined();
  });

  it.skipIf(!systemdAnalyze())('systemd-analyze verify accepts both units without a warning', () => {
    const run = spawnSync('systemd-analyze', ['verify', ...UNITS], { cwd: DIR, encoding: 'utf8' });
    expect(run.stderr.trim()).toBe('');
    expect(run.status).toBe(0);
  });

  it.skipIf(systemdAnalyze())('systemd-analyze is not installed here: only the fields are checked', () => {
    expect(() => execFileSync('systemd-analyze', ['--version'])).toThrow();
  });
});
