import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 12: small files with names that explain themselves. No product file
 * (everything git tracks outside test/ and bench/) is over 300 lines; the
 * gateway simulator's protocol tables may be, being tables.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX_LINES = 300;
const PRODUCT = /\.(ts|mjs|cjs)$/;
const EXEMPT = /^tools\/gateway-sim\/protocol\//;

function overLong(files: readonly { path: string; text: string }[]): string[] {
  return files.flatMap(({ path, text }) => {
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    return lines > MAX_LINES ? [`${path}: ${lines} lines`] : [];
  });
}

describe('file size (issue 12)', () => {
  it(`no product file is over ${MAX_LINES} lines, the simulator's protocol tables aside`, () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    const product = tracked.filter((p) => PRODUCT.test(p) && !p.startsWith('test/') && !p.startsWith('bench/') && !EXEMPT.test(p));
    expect(product.length).toBeGreaterThan(100);
    expect(overLong(product.map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') })))).toEqual([]);
  });

  it('the check names a file one line over the limit, and passes one at the limit', () => {
    const at = `${'x\n'.repeat(MAX_LINES)}`;
    expect(overLong([{ path: 'actors/atLimit.ts', text: at }])).toEqual([]);
    expect(overLong([{ path: 'actors/tooLong.ts', text: `${at}x\n` }])).toEqual([`actors/tooLong.ts: ${MAX_LINES + 1} lines`]);
  });
});
