/** Process entry of the gateway simulator: `node bin/run-ts.mjs tools/gateway-sim/main.ts --port 4002 --account DU123456`. */
import { gatewaySimMain } from './cli.ts';

process.exitCode = await gatewaySimMain(process.argv.slice(2));
