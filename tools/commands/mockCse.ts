import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { v7 } from 'uuid';
import { stringify } from 'yaml';
import { type Intent, PAIRS } from '../../beads/index.ts';
import { ConfigError, loadConfig } from '../../runtime/config/load.ts';
import { FileExistsError, intentFolders, judgeIntentValue, writeFileAtomic } from '../../actors/intents/index.ts';
import { type Command, type CommandIo, EXIT, parseCommandArgs, UsageError, wantsHelp, writeLine } from '../command.ts';

const HELP = `Usage: phoenix mock-cse --signal READY|FORMING|NONE --pair PAIR
         --confidence 0.85 --entry 1.0850 --stop 1.0820 --target 1.0910
         --setup-type FVG_ENTRY|OTE_ENTRY|BOS_ENTRY
         [--intent-id ID] [--created-at ISO] [--dir PATH]

Writes one schema-valid intent file, the way the signal engine does: to a temp
name in the folder, then renamed. Prints the path it wrote.

Options:
  --signal       READY goes to approval; FORMING and NONE are recorded as information
  --pair         ${PAIRS.join(', ')}
  --confidence   0 to 1
  --entry, --stop, --target
                 prices; a stop below the entry makes a long, above it a short,
                 and the target must be on the profit side
  --setup-type   FVG_ENTRY, OTE_ENTRY or BOS_ENTRY
  --intent-id    default: a generated mock-<uuid>
  --created-at   the state anchor, ISO-8601 with offset; default: now
  --dir          default: PHOENIX_HOME/intents/incoming

It refuses, with exit code ${EXIT.usage}: a stop or target on the wrong side, a price
implausible for the pair, a confidence outside 0..1, an unknown pair.

Example:
  phoenix mock-cse --signal READY --pair EURUSD --confidence 0.85 \\
    --entry 1.0850 --stop 1.0820 --target 1.0910 --setup-type FVG_ENTRY`;

const OPTIONS = {
  signal: { type: 'string' },
  pair: { type: 'string' },
  confidence: { type: 'string' },
  entry: { type: 'string' },
  stop: { type: 'string' },
  target: { type: 'string' },
  'setup-type': { type: 'string' },
  'intent-id': { type: 'string' },
  'created-at': { type: 'string' },
  dir: { type: 'string' },
} as const;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function required(values: Record<string, string | undefined>, flag: keyof typeof OPTIONS): string {
  const value = values[flag];
  if (value === undefined || value === '') throw new UsageError(`missing --${flag}`);
  return value;
}

function numberFlag(values: Record<string, string | undefined>, flag: keyof typeof OPTIONS): number {
  const text = required(values, flag);
  const value = Number(text);
  if (!NUMBER.test(text) || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, got ${JSON.stringify(text)}`);
  return value;
}

/** The intent exactly as the flags give it; the shared schema judges it afterwards. */
function intentFromFlags(argv: string[], now: Date): { candidate: Record<string, unknown>; dir?: string } {
  const { values } = parseCommandArgs(argv, OPTIONS);
  const candidate = {
    intent_id: values['intent-id'] ?? `mock-${v7()}`,
    signal: required(values, 'signal'),
    pair: required(values, 'pair'),
    confidence: numberFlag(values, 'confidence'),
    entry: numberFlag(values, 'entry'),
    stop: numberFlag(values, 'stop'),
    target: numberFlag(values, 'target'),
    setup_type: required(values, 'setup-type'),
    created_at: values['created-at'] ?? now.toISOString(),
  };
  return values.dir === undefined ? { candidate } : { candidate, dir: values.dir };
}

function activePairsNote(intent: Intent, io: CommandIo): void {
  try {
    const active = loadConfig(io.env, io.cwd).ACTIVE_PAIRS;
    if (!active.includes(intent.pair)) {
      writeLine(io.stderr, `note: ${intent.pair} is not in ACTIVE_PAIRS (${active.join(',')}); the host will refuse this intent`);
    }
  } catch {
    // Only a hint: with --dir the configuration may legitimately be absent or for another host.
  }
}

async function run(argv: string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    writeLine(io.stdout, HELP);
    return EXIT.ok;
  }
  try {
    const { candidate, dir } = intentFromFlags(argv, new Date());
    // Every pair counts as active here: ACTIVE_PAIRS is the host's rule, so it is only a note.
    const judgement = judgeIntentValue(candidate, PAIRS);
    if (!judgement.ok) {
      writeLine(io.stderr, `mock-cse: refused:\n${judgement.reasons.map((r) => `  - ${r}`).join('\n')}`);
      return EXIT.usage;
    }
    const intent = judgement.intent;
    const folder = dir === undefined ? intentFolders(loadConfig(io.env, io.cwd).homeDir).incoming : resolve(io.cwd, dir);
    activePairsNote(intent, io);
    await mkdir(folder, { recursive: true });
    const path = join(folder, `${intent.intent_id}.yaml`);
    await writeFileAtomic(path, `# written by phoenix mock-cse\n${stringify(intent)}`, { overwrite: false });
    writeLine(io.stdout, path);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      writeLine(io.stderr, `mock-cse: ${err.message}\nRun phoenix mock-cse --help for usage.`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      writeLine(io.stderr, `mock-cse: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof FileExistsError) {
      writeLine(io.stderr, `mock-cse: ${err.message}; choose another --intent-id`);
      return EXIT.failure;
    }
    writeLine(io.stderr, `mock-cse: cannot write the intent: ${(err as Error).message}`);
    return EXIT.failure;
  }
}

export const mockCseCommand: Command = {
  name: 'mock-cse',
  summary: 'write a schema-valid intent file, as the signal engine would',
  help: HELP,
  run,
};
