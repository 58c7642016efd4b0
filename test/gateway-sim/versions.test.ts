import { afterEach, describe, expect, it } from 'vitest';
import { GatewaySimulator } from '../../tools/gateway-sim/simulator.ts';
import { IbTestClient } from '../support/gatewaySimClient.ts';
import { exerciseEveryMessage, expectedEvents } from '../support/gatewaySimScript.ts';

// In-process sweep over the server versions the simulator offers; the three
// versions Phoenix is tested at also run against the simulator as a process
// (conformance.test.ts). Layout changes fall at 148, 151, 152, 158, 160, 162,
// 164, 166, 170, 177, 178, 182-186 and 189-193.
const VERSIONS = [145, 148, 151, 152, 158, 160, 162, 163, 164, 166, 170, 177, 178, 182, 183, 186, 189, 190, 192];

let sim: GatewaySimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('gateway simulator across server versions', () => {
  it.each(VERSIONS)('server version %i: every message decodes cleanly in @stoqey/ib', async (serverVersion) => {
    const s = GatewaySimulator.create({
      port: 0,
      account: 'DU123456',
      serverVersion,
      seed: 7,
      nextValidId: 1,
      tickMs: 0,
    });
    sim = s;
    const port = await s.start();
    const client = await IbTestClient.connect({ port, clientId: 3, maxReqPerSec: 200 });
    try {
      expect(client.ib.serverVersion).toBe(serverVersion);
      await exerciseEveryMessage(
        client,
        {
          rejectNextOrder: async () => {
            s.broker.flags.rejectNext = 'test';
          },
          setPrice: async (pair, price) => s.setPrice(pair as 'EURUSD', price),
        },
        1,
      );
      const seen = new Set(client.events.map((e) => e.name));
      expect(expectedEvents(serverVersion).filter((name) => !seen.has(name))).toEqual([]);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
    }
  });
});
