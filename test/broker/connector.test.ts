import { afterAll, beforeAll, describe } from 'vitest';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { ibHarness, mockHarness } from './connectorHarness.ts';
import { connectorSuite } from './connectorSuite.ts';

// One suite, two backends (S4.2).
describe('IBKRConnector on the mock backend', () => {
  connectorSuite(() => mockHarness());
});

describe('IBKRConnector on the real @stoqey/ib client against the gateway simulator process', () => {
  let sim: GatewaySimHandle;
  beforeAll(async () => {
    sim = await startGatewaySim({ serverVersion: 193, nextValidId: 100 });
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  });
  connectorSuite(() => ibHarness(sim, 7));
});
