import { readFileSync } from 'node:fs';

/** The package version, written on HOST beads so an incident names the build it ran. */
export const PHOENIX_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
