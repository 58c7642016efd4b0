/**
 * Runs one exported CLI command as its own process, the way `phoenix <name>`
 * would, for commands not yet registered in tools/cli.ts.
 * Usage: commandMain.ts <module path> <export name> [args…]
 */
import { pathToFileURL } from 'node:url';
import type { Command } from '../../../tools/command.ts';

const [modulePath, exportName, ...argv] = process.argv.slice(2);
if (!modulePath || !exportName) throw new Error('usage: commandMain.ts <module path> <export name> [args…]');
const command = (await import(pathToFileURL(modulePath).href))[exportName] as Command;
const controller = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort(sig));
process.exitCode = await command.run(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
