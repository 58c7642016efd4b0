import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { streams } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { openEventLog } from '../../store/open.ts';
import { type Command, EXIT, parseCommandArgs, UsageError, writeLine } from '../command.ts';
import { commandLogger, paintFor } from '../terminal.ts';
import { runRb004Drill } from './drillRb004.ts';
import { attachSimulator, type DrillSimulator, startSimulator } from './drillSimulator.ts';
import { cliWho } from './operator.ts';

/** The runbooks that have a drill. A drill exercises its runbook against the simulator, never a real gateway. */
const DRILLS = { 'RB-004': 'emergency halt: working orders at the simulator, global cancel, verified at /state' } as const;
type DrillId = keyof typeof DRILLS;

const HELP = `Usage: phoenix drill <RUNBOOK> [--gateway-port P --control-port C] [--orders N] [--as NAME]

Runs a runbook's drill against the gateway simulator and records DRILL
STARTED and FINISHED beads (runbook, resolution time, PASS or FAIL) in the
log. Gate P1-5 (phoenix gates) counts an RB-004 drill that PASSED.

Drills:
${Object.entries(DRILLS).map(([id, what]) => `  ${id}  ${what}`).join('\n')}

RB-004: places N working orders at the simulator with the real IB client,
runs the emergency halt as 'phoenix halt' does with the host down (its own
connection, client id IBKR_CLIENT_ID + 1000, IB's global cancel), and checks
at the simulator's /state that every working order is cancelled. The halt's
own KILL_FLAG and HALT beads go to a scratch log: a drill never sets the
desk's kill flag. Safe beside a running host.

Options:
  --gateway-port P   use a simulator already running on API port P
  --control-port C   its control channel (required with --gateway-port: the
                     drill verifies there, and refuses anything that is not a simulator)
  --orders N         working orders to place (default 3, at most 20)
  --as NAME          who runs the drill (default: PHOENIX_OPERATOR, else your OS user name)

Without --gateway-port the drill starts its own simulator process and stops it after.
Exit codes: 0 PASS, 1 FAIL, 2 usage (an unknown runbook id).

Example:
  phoenix drill RB-004`;

function drillIdOf(text: string | undefined): DrillId {
  if (text === undefined) throw new UsageError(`name the runbook to drill: ${Object.keys(DRILLS).join(', ')}`);
  const id = text.toUpperCase();
  if (!(id in DRILLS)) throw new UsageError(`no drill for runbook ${JSON.stringify(text)}; drills exist for ${Object.keys(DRILLS).join(', ')}`);
  return id as DrillId;
}

function ordersOf(text: string | undefined): number {
  if (text === undefined) return 3;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 20) throw new UsageError(`--orders must be a whole number from 1 to 20 (got ${JSON.stringify(text)})`);
  return Number(text);
}

function portOf(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new UsageError(`${flag} must be a port number (got ${JSON.stringify(text)})`);
  return Number(text);
}

export const drillCommand: Command = {
  name: 'drill',
  summary: 'run a runbook drill against the simulator (RB-004) and record a DRILL bead',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { 'gateway-port': { type: 'string' }, 'control-port': { type: 'string' }, orders: { type: 'string' }, as: { type: 'string' } },
      true,
    );
    if (positionals.length > 1) throw new UsageError(`one runbook at a time (got ${positionals.join(' ')})`);
    const runbook = drillIdOf(positionals[0]);
    const orders = ordersOf(values.orders);
    const gatewayPort = values['gateway-port'] === undefined ? undefined : portOf('--gateway-port', values['gateway-port']);
    const controlPort = values['control-port'] === undefined ? undefined : portOf('--control-port', values['control-port']);
    if ((gatewayPort === undefined) !== (controlPort === undefined)) {
      throw new UsageError('--gateway-port and --control-port go together: the drill verifies at the simulator’s control channel');
    }
    const config = loadConfig(io.env, io.cwd);
    const who = cliWho(values.as, config);
    const logger = commandLogger(config, io.env, config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
    const log = await openEventLog(config);
    const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: `${config.PHOENIX_HOST_ID}-cli`, mode: config.mode });
    const correlation = `drill-${uuidV7Ids.next()}`;
    const record = (data: { event: 'STARTED' | 'FINISHED'; resolution_ms?: number; outcome?: 'PASS' | 'FAIL'; detail?: string }) =>
      writer.write({ bead_type: 'DRILL', stream: streams.drill, correlation_id: correlation, data: { runbook_id: runbook, ...data } });
    const say = (line: string) => writeLine(io.stdout, line);
    let sim: DrillSimulator | undefined;
    try {
      await record({ event: 'STARTED', detail: `${DRILLS[runbook]}; by ${who}` });
      say(`${runbook} drill ${correlation} started by ${who}`);
      let result: Awaited<ReturnType<typeof runRb004Drill>>;
      try {
        sim = gatewayPort !== undefined && controlPort !== undefined ? await attachSimulator(gatewayPort, controlPort) : await startSimulator();
        result = await runRb004Drill({ config, sim, orders, who, logger, say });
      } catch (err) {
        result = { outcome: 'FAIL', resolutionMs: 0, haltMs: 0, placed: 0, cancelled: 0, detail: (err as Error).message };
      }
      await record({ event: 'FINISHED', resolution_ms: result.resolutionMs, outcome: result.outcome, detail: result.detail });
      const paint = paintFor(io.stdout, io.env);
      say(`${runbook} drill ${result.outcome === 'PASS' ? paint.good('PASS') : paint.bad('FAIL')}: ${result.detail}`);
      say(`DRILL bead recorded (resolution ${result.resolutionMs} ms)${result.outcome === 'PASS' ? '; gate P1-5 counts it (phoenix gates)' : ''}`);
      return result.outcome === 'PASS' ? EXIT.ok : EXIT.failure;
    } finally {
      await sim?.stop();
      await log.close();
    }
  },
};
