/**
 * The README's "paper desk on the simulator" recipe, run word for word: the
 * fenced block is read out of README.md itself, so the README and this test
 * cannot drift. It runs in bash with job control on (as in a terminal, where
 * `kill %2 %1` signals each job's whole process group), in a network
 * namespace of its own (`unshare -rn`), so the recipe's fixed ports (4002,
 * the dashboard's 7070) can never meet another test's; TMPDIR points
 * `mktemp -d` into a temp folder this test owns. The user would notice: a
 * paper position approved, filled, closed, and a host that stopped cleanly.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { SLOW } from '../support/slow.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HEADING = '## A paper desk on the simulator';

/** The first ```sh block under the recipe's heading, exactly as a reader copies it. */
function recipeFromReadme(readme: string): string {
  const section = readme.slice(readme.indexOf(HEADING));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (readme.indexOf(HEADING) < 0 || !block) throw new Error(`README.md has no sh block under "${HEADING}"`);
  return block[1]!;
}

const netns = spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;
const TAG = `phoenix-recipe-${process.pid}-${Date.now()}`;

/** Processes this test started, found by the tag only they carry in their environment. */
function taggedPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // A zombie has ended; only its parent's reaping is left.
      const ended = / Z /.test(readFileSync(`/proc/${name}/stat`, 'latin1'));
      if (!ended && readFileSync(`/proc/${name}/environ`, 'latin1').includes(`PHOENIX_RECIPE_TAG=${TAG}`)) pids.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

let temp: ReturnType<typeof makeTempDir> | undefined;
afterEach(() => {
  for (const pid of taggedPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  temp?.remove();
});

function runRecipe(script: string, tmp: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child: ChildProcess = spawn('unshare', ['-rn', 'bash', '-c', 'ip link set lo up && set -e -m && source "$RECIPE" && wait'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', TMPDIR: tmp, RECIPE: script, PHOENIX_ENV_FILE: '/nonexistent/.env', PHOENIX_RECIPE_TAG: TAG },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      for (const pid of taggedPids()) process.kill(pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('README: a paper desk on the simulator', () => {
  // test:slow only: npm test takes the same path (simulator, mock-cse, approve, bracket, close) in test/e2e/paperRoundTrip.test.ts.
  it.runIf(SLOW && netns)('the recipe, run as written, reaches a closed paper position and stops the host cleanly', async () => {
    const recipe = recipeFromReadme(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(recipe).toMatch(/^npx phoenix run /m);
    temp = makeTempDir('phoenix-recipe');
    const script = join(temp.dir, 'recipe.sh');
    writeFileSync(script, recipe);
    const { code, output } = await runRecipe(script, temp.dir, 240_000);
    expect(code, output).toBe(0);
    expect(output).toMatch(/APPROVE recorded for demo-1/);
    expect(output).toMatch(/P1-2 PAPER_ROUND_TRIP: MET/);

    const [home] = readdirSync(temp.dir).filter((n) => n.startsWith('tmp.'));
    const log = new SqliteEventLog(defaultLogPath(join(temp.dir, home!)), { readonly: true });
    const beads: Bead[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead') beads.push(e.bead);
    await log.close();
    const states = beads.flatMap((b) => (b.bead_type === 'POSITION' && b.data.position_id === 'demo-1' ? [b.data.state] : []));
    expect(states).toEqual(expect.arrayContaining(['SUBMITTED', 'FILLED', 'CLOSING', 'CLOSED']));
    expect(states.at(-1)).toBe('CLOSED');
    expect(beads.find((b) => b.bead_type === 'POSITION' && b.data.state === 'CLOSED')?.mode).toBe('PAPER');
    expect(beads.some((b) => b.bead_type === 'HOST' && b.data.event === 'STOPPING')).toBe(true);
    // The host and the simulator end on their own after `kill %2 %1`.
    await expect.poll(taggedPids, { timeout: 20_000, interval: 200 }).toEqual([]);
  }, 300_000);

  it.skipIf(netns)('needs a network namespace (unshare -rn) for the recipe’s fixed ports: not available here', () => {
    expect(netns).toBe(false);
  });
});
