#!/usr/bin/env node
// Runs Biome's native binary directly. The @biomejs/biome wrapper lists a
// platform package for every OS, and a registry that serves only some of them
// leaves a lock file `npm ci` refuses; so the project depends on the Linux
// builds (optional, per platform) and this finds the one that installed.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const candidates = [`@biomejs/cli-${process.platform}-${process.arch}`, `@biomejs/cli-${process.platform}-${process.arch}-musl`];
let binary;
for (const pkg of candidates) {
  try {
    binary = join(dirname(require.resolve(`${pkg}/package.json`)), 'biome');
    break;
  } catch {
    // not installed for this platform; try the next
  }
}
if (!binary) {
  console.error(`lint: no Biome binary for ${process.platform}-${process.arch}; the project installs ${candidates[0]} where the registry has it`);
  process.exit(1);
}
const result = spawnSync(binary, ['lint', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
