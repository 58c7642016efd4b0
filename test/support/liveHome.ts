import type { EventLog } from '../../store/port.ts';
import { loadChainKey } from '../../runtime/chain/chainKey.ts';
import { seedPaperHistory } from '../../tools/bunny/liveSeed.ts';

/**
 * A live-configured home against the gateway simulator, for tests of a live
 * host: the simulator's port is the live port (its account a live U… one),
 * paper gets another, and the log holds a paper history that meets the live
 * gate, sealed with this home's chain key as a paper host would have left it
 * (since issue 17 the gate counts only sealed evidence).
 */
export async function liveHome(log: EventLog, home: string, simPort: number): Promise<Record<string, string>> {
  await seedPaperHistory(log, Date.now(), { chainKey: loadChainKey(home, { create: true }) });
  return {
    PHOENIX_HOME: home,
    PHOENIX_HOST_ID: 'live-host',
    IBKR_MODE: 'live',
    IBKR_ALLOW_LIVE: 'true',
    IBKR_ACCOUNT: 'U1234567',
    IBKR_PORT: String(simPort),
    IBKR_LIVE_PORT: String(simPort),
    IBKR_PAPER_PORT: String(simPort === 4002 ? 4003 : 4002),
    DASHBOARD_PORT: '0',
  };
}
