import { watch } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeIntentBytes } from '../../actors/intents/judgeIntent.ts';
import { PAIRS } from '../../beads/index.ts';
import type { CommandIo } from '../../tools/command.ts';
import { mockCseCommand } from '../../tools/commands/mockCse.ts';
import { makeHome, startSeam, waitForOutcome } from '../intents/support.ts';

function io(env: Record<string, string>, cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const value: CommandIo = { stdout, stderr, stdin: new PassThrough(), env, cwd, signal: new AbortController().signal };
  return { value, out: () => out, err: () => err };
}

const EURUSD_LONG = ['--signal', 'READY', '--pair', 'EURUSD', '--confidence', '0.85', '--entry', '1.0850', '--stop', '1.0820', '--target', '1.0910', '--setup-type', 'FVG_ENTRY'];

function withFlag(args: string[], flag: string, value: string): string[] {
  const out = [...args];
  out[out.indexOf(flag) + 1] = value;
  return out;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function home(): Promise<string> {
  const dir = await makeHome();
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('phoenix mock-cse', () => {
  it('writes an intent into PHOENIX_HOME/intents/incoming that the seam accepts, and prints its path', async () => {
    const dir = await home();
    const t = io({ PHOENIX_HOME: dir }, dir);
    expect(await mockCseCommand.run([...EURUSD_LONG, '--intent-id', 'cse-1'], t.value)).toBe(0);
    const path = join(dir, 'intents', 'incoming', 'cse-1.yaml');
    expect(t.out().trim()).toBe(path);
    expect(t.err()).toBe('');

    const seam = await startSeam({ home: dir });
    cleanups.push(() => seam.stop());
    const outcome = await waitForOutcome(seam, 'cse-1.yaml');
    expect(outcome.bead.data).toMatchObject({
      outcome: 'ACCEPTED',
      intent: { intent_id: 'cse-1', signal: 'READY', pair: 'EURUSD', confidence: 0.85, entry: 1.085, stop: 1.082, target: 1.091 },
    });
    expect(seam.ready.map((r) => r.intent.intent_id)).toEqual(['cse-1']);
  });

  it('generates an id and stamps created_at now; --dir is relative to the working folder', async () => {
    const dir = await home();
    const t = io({}, dir);
    const before = Date.now();
    expect(await mockCseCommand.run([...EURUSD_LONG, '--dir', 'drop'], t.value)).toBe(0);
    const path = t.out().trim();
    expect(path).toMatch(new RegExp(`^${join(dir, 'drop')}/mock-[0-9a-f-]{36}\\.yaml$`));
    const judged = judgeIntentBytes(await readFile(path), PAIRS);
    expect(judged.ok).toBe(true);
    if (judged.ok) expect(Date.parse(judged.intent.created_at)).toBeGreaterThanOrEqual(before - 1000);
  });

  it.each([
    ['a stop on the wrong side (above entry, target above: a short aiming up)', withFlag(EURUSD_LONG, '--stop', '1.0880'), /target must be below entry for a short/],
    ['a target on the wrong side of a long', withFlag(EURUSD_LONG, '--target', '1.0800'), /target must be above entry for a long/],
    ['a stop equal to the entry', withFlag(EURUSD_LONG, '--stop', '1.0850'), /stop must differ from entry/],
    ['a JPY price for EURUSD', [...withFlag(withFlag(withFlag(EURUSD_LONG, '--entry', '150.20'), '--stop', '149.90'), '--target', '150.80')], /entry 150.2 is implausible for EURUSD \(expected 0.3 to 3\)/],
    ['a EURUSD price for USDJPY', withFlag(EURUSD_LONG, '--pair', 'USDJPY'), /entry 1.085 is implausible for USDJPY \(expected 50 to 500\)/],
    ['a confidence above 1', withFlag(EURUSD_LONG, '--confidence', '1.5'), /confidence: must be at most 1, got 1.5/],
    ['a negative confidence', [...EURUSD_LONG, '--confidence=-0.1'], /confidence: must be at least 0, got -0.1/],
    ['an unknown pair', withFlag(EURUSD_LONG, '--pair', 'XAUUSD'), /pair the string "XAUUSD" is not one of the six pairs/],
    ['an unknown signal', withFlag(EURUSD_LONG, '--signal', 'GO'), /signal: /],
    ['an unknown setup type', withFlag(EURUSD_LONG, '--setup-type', 'HUNCH'), /setup_type: /],
    ['a bad created_at', [...EURUSD_LONG, '--created-at', 'tomorrow'], /created_at: /],
    ['a bad intent id', [...EURUSD_LONG, '--intent-id', '../../etc/passwd'], /intent_id: letters, digits/],
    ['a price that is not a number', withFlag(EURUSD_LONG, '--entry', '1.08.5'), /--entry must be a number, got "1.08.5"/],
    ['NaN', withFlag(EURUSD_LONG, '--entry', 'NaN'), /--entry must be a number, got "NaN"/],
    ['Infinity', withFlag(EURUSD_LONG, '--target', '1e999'), /--target must be a number, got "1e999"/],
    ['a missing flag', EURUSD_LONG.slice(2), /missing --signal/],
    ['an unknown flag', [...EURUSD_LONG, '--leverage', '100'], /Unknown option '--leverage'/],
  ])('refuses %s with a clear message and exit 2, writing nothing', async (_title, argv, message) => {
    const dir = await home();
    const t = io({}, dir);
    expect(await mockCseCommand.run([...argv, '--dir', 'drop'], t.value)).toBe(2);
    expect(t.err()).toMatch(message);
    expect(t.out()).toBe('');
    expect(await readdir(dir)).toEqual([]);
  });

  it('never replaces an intent file that is already there', async () => {
    const dir = await home();
    await writeFile(join(dir, 'same.yaml'), 'earlier');
    const t = io({}, dir);
    expect(await mockCseCommand.run([...EURUSD_LONG, '--intent-id', 'same', '--dir', '.'], t.value)).toBe(1);
    expect(t.err()).toMatch(/already exists/);
    expect(await readFile(join(dir, 'same.yaml'), 'utf8')).toBe('earlier');
    expect((await readdir(dir)).sort()).toEqual(['same.yaml']);
  });

  it('notes, without refusing, a pair the host will refuse because it is not active', async () => {
    const dir = await home();
    const t = io({ ACTIVE_PAIRS: 'EURUSD' }, dir);
    const gbp = withFlag(withFlag(withFlag(withFlag(EURUSD_LONG, '--pair', 'GBPUSD'), '--entry', '1.27'), '--stop', '1.265'), '--target', '1.28');
    expect(await mockCseCommand.run([...gbp, '--dir', '.'], t.value)).toBe(0);
    expect(t.err()).toMatch(/GBPUSD is not in ACTIVE_PAIRS \(EURUSD\); the host will refuse this intent/);
  });

  it('prints usage for --help', async () => {
    const t = io({}, process.cwd());
    expect(await mockCseCommand.run(['--help'], t.value)).toBe(0);
    expect(t.out()).toMatch(/^Usage: phoenix mock-cse --signal READY\|FORMING\|NONE/);
    expect(t.out()).toContain('--setup-type');
  });

  it('writes atomically: a reader watching the folder never sees a partial file under a final name', async () => {
    const dir = await home();
    const seen: string[] = [];
    const partial: string[] = [];
    const inspect = async () => {
      for (const name of await readdir(dir)) {
        if (name.startsWith('.') || name.endsWith('.tmp')) continue;
        const bytes = await readFile(join(dir, name)).catch(() => undefined);
        if (bytes === undefined) continue;
        seen.push(name);
        if (!judgeIntentBytes(bytes, PAIRS).ok) partial.push(name);
      }
    };
    const inspections: Promise<void>[] = [];
    const events = new Set<string>();
    const watcher = watch(dir, (_event, name) => {
      if (name) events.add(name);
      inspections.push(inspect());
    });
    cleanups.push(async () => watcher.close());
    const runs = Array.from({ length: 20 }, (_, i) => mockCseCommand.run([...EURUSD_LONG, '--intent-id', `atomic-${i}`, '--dir', '.'], io({}, dir).value));
    expect(await Promise.all(runs)).toEqual(Array(20).fill(0));
    watcher.close();
    await Promise.all(inspections);
    expect(seen.length).toBeGreaterThan(0);
    expect(partial).toEqual([]);
    // The bytes went through a temp name that the seam ignores.
    expect([...events].some((n) => /^\.atomic-\d+\.yaml\.\d+\.[0-9a-f]{8}\.tmp$/.test(n))).toBe(true);
    // No temp file is left behind either.
    expect((await readdir(dir)).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `atomic-${i}.yaml`).sort());
  });
});
