import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseGatewaySimArgs } from '../../tools/gateway-sim/cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('gateway-sim command line', () => {
  it('takes the documented options, with defaults', () => {
    const parsed = parseGatewaySimArgs(['--port', '4002', '--account', 'DU123456', '--control-port', '0']);
    expect(parsed).toEqual({
      help: false,
      controlPort: 0,
      options: {
        port: 4002,
        account: 'DU123456',
        serverVersion: 193,
        seed: 1,
        tickMs: 500,
        nextValidId: 1,
        forceNextValidId: undefined,
        stateFile: undefined,
      },
    });
    expect(parseGatewaySimArgs(['--help'])).toEqual({ help: true });
  });

  it.each([
    [['--account', 'DU1'], /--port is required/],
    [['--port', 'x', '--account', 'DU1'], /--port must be an integer/],
    [['--port', '1', '--account', 'DU1', '--server-version', '120'], /--server-version must be at least 145/],
    [['--port', '1', '--account', 'hello'], /--account must look like an IB account/],
    [['--port', '1', '--account', 'DU1', '--colour', 'red'], /Unknown option '--colour'/],
  ])('refuses %j with a clear message', (argv, message) => {
    const parsed = parseGatewaySimArgs(argv);
    expect(parsed).toEqual({ error: expect.stringMatching(message) });
  });

  it('exits with code 2 and says why when run with bad arguments', async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bin/run-ts.mjs', 'tools/gateway-sim/main.ts', '--port', '99999', '--account', 'DU1'],
        { cwd: ROOT, encoding: 'utf8', timeout: 50_000 },
        (error, stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
      );
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--port must be at most 65535/);
    expect(run.stdout).toBe('');
  }, 60_000);
});
