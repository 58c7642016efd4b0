import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { BeadOf, Intent, Pair } from '../../beads/index.ts';
import { type IntentWatcher, type IntentWatcherOptions, startIntentWatcher } from '../../actors/intents/index.ts';
import type { IntentOutcome } from '../../actors/intents/processIntentFile.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog } from '../../store/port.ts';
import { sampleIntent } from '../support/sampleIntent.ts';

export function validIntent(overrides: Partial<Record<keyof Intent, unknown>> = {}): Record<string, unknown> {
  return { ...sampleIntent(), ...overrides };
}

export function intentYaml(overrides: Partial<Record<keyof Intent, unknown>> = {}): string {
  return stringify(validIntent(overrides));
}

export interface Seam {
  home: string;
  log: EventLog;
  watcher: IntentWatcher;
  outcomes: IntentOutcome[];
  ready: { intent: Intent; bead: BeadOf<'INTENT'> }[];
  incoming: string;
  processed: string;
  rejected: string;
  /** Writes a file the way writers must: temp name, then rename. */
  drop(name: string, content: string | Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

export interface SeamOptions {
  log?: EventLog;
  activePairs?: Pair[];
  home?: string;
  extra?: Partial<IntentWatcherOptions>;
}

export async function makeHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'phoenix-intents-'));
}

export async function startSeam(options: SeamOptions = {}): Promise<Seam> {
  const home = options.home ?? (await makeHome());
  const log = options.log ?? new MemoryEventLog();
  const outcomes: IntentOutcome[] = [];
  const ready: Seam['ready'] = [];
  const watcher = await startIntentWatcher({
    config: { homeDir: home, ACTIVE_PAIRS: options.activePairs ?? ['EURUSD'], PHOENIX_HOST_ID: 'test-host', mode: 'MOCK' },
    log,
    rescanMs: 40,
    onOutcome: (o) => outcomes.push(o),
    onReadyIntent: (intent, bead) => {
      ready.push({ intent, bead });
    },
    ...options.extra,
  });
  const { incoming, processed, rejected } = watcher.folders;
  return {
    home,
    log,
    watcher,
    outcomes,
    ready,
    incoming,
    processed,
    rejected,
    async drop(name, content) {
      const temp = join(incoming, `.${name.replace(/\//g, '_')}.writing.tmp`);
      await writeFile(temp, content);
      await rename(temp, join(incoming, name));
    },
    async stop() {
      await watcher.stop();
      if (options.home === undefined) await rm(home, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time runs out; never relies on one timer firing. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export async function intentBeads(log: EventLog): Promise<BeadOf<'INTENT'>[]> {
  const out: BeadOf<'INTENT'>[] = [];
  for await (const entry of log.readAll()) {
    if (entry.kind === 'bead' && entry.bead.bead_type === 'INTENT') out.push(entry.bead);
  }
  return out;
}

export async function waitForOutcome(seam: Seam, sourceFile: string): Promise<IntentOutcome> {
  return waitFor(() => seam.outcomes.find((o) => o.bead.data.source_file === sourceFile), `outcome for ${sourceFile}`);
}

export async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

export async function waitForOutcomes(seam: Seam, count: number): Promise<void> {
  await waitFor(() => seam.outcomes.length >= count || undefined, `${count} outcomes`);
}
