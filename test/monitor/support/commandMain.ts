/**
 * Runs one exported CLI command as its own process exactly as `phoenix <name>`
 * would (same argument errors, --help and exit codes, through tools/cli.ts's
 * main), for commands not yet registered in the CLI's list.
 * Usage: commandMain.ts <module path> <export name> [args…]
 */
import { pathToFileURL } from 'node:url';
import { COMMANDS, main } from '../../../tools/cli.ts';
import type { Command } from '../../../tools/command.ts';

const [modulePath, exportName, ...argv] = process.argv.slice(2);
if (!modulePath || !exportName) throw new Error('usage: commandMain.ts <module path> <export name> [args…]');
const command = (await import(pathToFileURL(modulePath).href))[exportName] as Command;
if (!COMMANDS.some((c) => c.name === command.name)) COMMANDS.push(command);
process.exitCode = await main([command.name, ...argv]);
