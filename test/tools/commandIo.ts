import { PassThrough, type Readable } from 'node:stream';
import type { CommandIo } from '../../tools/command.ts';
import { main } from '../../tools/cli.ts';

/** Runs `phoenix <argv>` in this process through the CLI's own entry, capturing what it prints. */
export async function runCli(argv: string[], env: Record<string, string>, stdin: Readable = new PassThrough()): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CommandIo = { stdout, stderr, stdin, env, cwd: process.cwd(), signal: new AbortController().signal };
  const code = await main(argv, io);
  return { code, stdout: out, stderr: err };
}
