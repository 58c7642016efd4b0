import { runAsProcess } from './cliMain.ts';
import { COMMAND_LOADERS } from './commandIndex.ts';

/**
 * `bin/phoenix.mjs`: a known command loads alone, --version loads none;
 * help and an unknown name load the whole registry, to list it.
 */
export function runPhoenixProcess(argv: string[]): Promise<number> {
  return runAsProcess(argv, async (name) => {
    if (name === '--version' || name === '-V') return [];
    const load = name === undefined ? undefined : COMMAND_LOADERS[name];
    return load ? [await load()] : (await import('./cli.ts')).COMMANDS;
  });
}
