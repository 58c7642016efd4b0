/**
 * `phoenix gateway-sim`: runs the simulator as a process until SIGINT or
 * SIGTERM (exit 0) or a control-channel kill (exit 137, like a SIGKILL).
 * On start it prints exactly one JSON line to stdout, which is how test
 * helpers and scripts learn the ports it got.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { StateFileError } from './broker/stateFile.ts';
import { ControlServer } from './control/controlServer.ts';
import { SUPPORTED_SERVER_VERSIONS } from './protocol/messageIds.ts';
import { GatewaySimulator, type GatewaySimOptions } from './simulator.ts';

export const GATEWAY_SIM_USAGE = `Usage: phoenix gateway-sim --port P --account ACCOUNT [options]

A TWS socket-protocol gateway simulator for paper drills and tests. It listens
on 127.0.0.1 only.

  --port P                 TCP port for API clients (0 = any free port)
  --account ACCOUNT        the managed account, e.g. DU123456
  --server-version V       server version to offer (${SUPPORTED_SERVER_VERSIONS.min}..${SUPPORTED_SERVER_VERSIONS.max}, default 193)
  --control-port C         HTTP control channel port (0 = any free port; none if omitted)
  --seed N                 seed of the price walk (default 1)
  --tick-ms N              walk step interval in ms (default 500; 0 = prices move only when set)
  --next-valid-id N        first order id of a fresh state (default 1)
  --force-next-valid-id N  next order id even over a loaded state (a rollback)
  --state-file F           keep orders, fills and positions in F across restarts
  --help                   this text

Prints one line when listening:
  {"event":"listening","port":...,"controlPort":...,"pid":...}`;

const EXIT_USAGE = 2;
const EXIT_KILLED = 137;

const intText = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, `${name} must be an integer`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));

const argsSchema = z.object({
  port: intText('--port', 0, 65535),
  account: z.string().regex(/^[A-Z]{1,3}\d{1,10}$/, '--account must look like an IB account, e.g. DU123456'),
  'server-version': intText('--server-version', SUPPORTED_SERVER_VERSIONS.min, SUPPORTED_SERVER_VERSIONS.max).default(
    193,
  ),
  'control-port': intText('--control-port', 0, 65535).optional(),
  seed: intText('--seed', 0, 2 ** 32 - 1).default(1),
  'tick-ms': intText('--tick-ms', 0, 3_600_000).default(500),
  'next-valid-id': intText('--next-valid-id', 1, 2 ** 31 - 2).default(1),
  'force-next-valid-id': intText('--force-next-valid-id', 1, 2 ** 31 - 2).optional(),
  'state-file': z.string().min(1).optional(),
});

type ParsedArgs =
  | { help: true }
  | {
      help: false;
      options: GatewaySimOptions;
      controlPort: number | undefined;
    };

/** Returns the parsed options, or a message for the user. */
export function parseGatewaySimArgs(argv: string[]): ParsedArgs | { error: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        account: { type: 'string' },
        'server-version': { type: 'string' },
        'control-port': { type: 'string' },
        seed: { type: 'string' },
        'tick-ms': { type: 'string' },
        'next-valid-id': { type: 'string' },
        'force-next-valid-id': { type: 'string' },
        'state-file': { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (values['help']) return { help: true };
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => {
      const name = `--${issue.path.join('.')}`;
      return issue.code === 'invalid_type' && issue.input === undefined ? `${name} is required` : issue.message;
    });
    return { error: messages.join('; ') };
  }
  const a = parsed.data;
  return {
    help: false,
    controlPort: a['control-port'],
    options: {
      port: a.port,
      account: a.account,
      serverVersion: a['server-version'],
      seed: a.seed,
      tickMs: a['tick-ms'],
      nextValidId: a['next-valid-id'],
      forceNextValidId: a['force-next-valid-id'],
      stateFile: a['state-file'],
    },
  };
}

export async function gatewaySimMain(argv: string[]): Promise<number> {
  const parsed = parseGatewaySimArgs(argv);
  if ('error' in parsed) {
    process.stderr.write(`gateway-sim: ${parsed.error}\n\n${GATEWAY_SIM_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (parsed.help) {
    process.stdout.write(`${GATEWAY_SIM_USAGE}\n`);
    return 0;
  }

  let sim: GatewaySimulator;
  try {
    sim = GatewaySimulator.create(parsed.options);
  } catch (error) {
    if (!(error instanceof StateFileError)) throw error;
    process.stderr.write(`gateway-sim: ${error.message}\n`);
    return 1;
  }
  let control: ControlServer | undefined;
  try {
    await sim.start();
    if (parsed.controlPort !== undefined) {
      control = new ControlServer(sim, {
        host: '127.0.0.1',
        port: parsed.controlPort,
        onKill: () => {
          sim.abortConnections();
          process.exit(EXIT_KILLED);
        },
      });
      await control.listen();
    }
  } catch (error) {
    process.stderr.write(`gateway-sim: cannot listen: ${(error as Error).message}\n`);
    await sim.stop();
    await control?.close();
    return 1;
  }

  const line = {
    event: 'listening',
    port: sim.server.port,
    controlPort: control?.port ?? null,
    pid: process.pid,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);

  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  await control?.close();
  await sim.stop();
  return 0;
}
