import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of DESIGN.md hold because a tool checks them in `npm test`
 * (`npm run deps`, dependency-cruiser with .dependency-cruiser.cjs). Here a
 * temp copy of the tree gets one violation planted at a time, and the check
 * must fail on it, naming the rule; the untouched copy passes.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FOLDERS = ['beads', 'machines', 'projections', 'store', 'runtime', 'actors', 'tools', 'bin'];
let copy: string;

function check(dir: string): Promise<{ code: number; out: string }> {
  const bin = join(ROOT, 'node_modules', '.bin', 'depcruise');
  return new Promise((resolve) => {
    execFile(bin, ['--config', '.dependency-cruiser.cjs', ...FOLDERS], { cwd: dir, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

function plant(path: string, text: string): () => void {
  const file = join(copy, path);
  writeFileSync(file, text);
  return () => rmSync(file);
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'phoenix-layers-'));
  for (const f of FOLDERS) cpSync(join(ROOT, f), join(copy, f), { recursive: true });
  for (const f of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) cpSync(join(ROOT, f), join(copy, f));
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('the layer rules are checked', () => {
  it('the tree as it is passes', async () => {
    const r = await check(copy);
    expect(r.out).toMatch(/no dependency violations found/);
    expect(r.code).toBe(0);
  }, 150_000);

  it('fails on each planted violation, naming its rule and its file', async () => {
    const planted: [string, string, string][] = [
      ['machines/planted.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'pure-floors-no-io'],
      ['projections/planted.ts', "import { BeadWriter } from '../runtime/beadWriter.ts';\nexport const x = BeadWriter;\n", 'projections-import-beads-and-machines'],
      ['store/planted.ts', "import { loadConfig } from '../runtime/config/load.ts';\nexport const x = loadConfig;\n", 'store-below-the-actors'],
      ['actors/plantedTools.ts', "import { main } from '../tools/cli.ts';\nexport const x = main;\n", 'nothing-imports-tools'],
      ['actors/plantedHost.ts', "import { startHost } from './host/host.ts';\nexport const x = startHost;\n", 'nothing-imports-the-host'],
      ['beads/planted.ts', "import { y } from './plantedToo.ts';\nexport const x = () => y;\n", 'no-circular'],
      // The cycle's other half: reported on the line of the first.
      ['beads/plantedToo.ts', "import { x } from './planted.ts';\nexport const y = () => x;\n", ''],
    ];
    const undo = planted.map(([path, text]) => plant(path, text));
    try {
      const r = await check(copy);
      expect(r.code).not.toBe(0);
      const lines = r.out.split('\n');
      for (const [path, , rule] of planted) {
        if (rule === '') continue;
        expect(lines.some((l) => l.includes(rule) && l.includes(path)), `${rule} on ${path}:\n${r.out}`).toBe(true);
      }
    } finally {
      for (const u of undo) u();
    }
  }, 150_000);
});
