import { GATEWAY_SIM_USAGE, gatewaySimMain } from '../gateway-sim/cli.ts';
import type { Command } from '../command.ts';

/** `phoenix gateway-sim`: the TWS protocol simulator as its own process, for drills and tests (S4.3). */
export const gatewaySimCommand: Command = {
  name: 'gateway-sim',
  summary: 'run the IB Gateway simulator (TWS socket protocol) for drills and tests',
  help: GATEWAY_SIM_USAGE,
  run: (argv) => gatewaySimMain(argv),
};
