/**
 * The trade flow wired as the host wires it, in process: the broker side
 * (mock backend by default, or the gateway simulator with `env`), a memory
 * log, the outbox alerts, and a kill switch that reads the log's flag. Tests
 * append decision and close beads the way `phoenix approve` and `phoenix
 * close` do, and read back what a person would see: beads and states.
 */
import { outboxAlerts, type RunningBroker, startBroker } from '../../actors/broker/brokerActor.ts';
import { systemClock } from '../../runtime/clock.ts';
import { type Config, loadConfig } from '../../runtime/config/load.ts';
import { closeRequestDraft } from '../../beads/closeRequest.ts';
import type { KillSwitchPort } from '../../actors/flow/flowDeps.ts';
import { flowBrokerHooks } from '../../actors/flow/hostWiring.ts';
import { startTradeFlow, type TradeFlow } from '../../actors/flow/tradeFlow.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { type Logger, silentLogger } from '../../runtime/logger.ts';
import { type Bead, type BeadOf, type BeadType, type Intent, streams } from '../../beads/index.ts';
import type { KillSwitchEvent } from '../../machines/killswitch.ts';
import type { OrderBinding } from '../../machines/approvalVocabulary.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog } from '../../store/port.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { sampleIntent } from '../support/sampleIntent.ts';

export const SECRET = 'flow-test-secret-0123456789abcdef-xyz';

export interface FlowRig {
  config: Config;
  log: EventLog;
  writer: BeadWriter;
  broker: RunningBroker;
  flow: TradeFlow;
  killRequests: KillSwitchEvent[];
  /** What the kill switch port answers; tests set it to SET to see entries refused. */
  setKillFlag(flag: 'ARMED' | 'SET'): void;
  beads(): Promise<Bead[]>;
  ofType<T extends BeadType>(type: T): Promise<BeadOf<T>[]>;
  waitForBead<T extends BeadType>(type: T, match: (b: BeadOf<T>) => boolean, what: string, timeoutMs?: number): Promise<BeadOf<T>>;
  /** An accepted READY intent, as the file seam would hand it over. */
  ready(intent: Intent): Promise<void>;
  /** A person's decision, as `phoenix approve` appends it. */
  decide(intentId: string, decision?: 'APPROVE' | 'REJECT', contentHash?: string): Promise<Bead>;
  close(positionId: string, intentId: string): Promise<void>;
  stop(): Promise<void>;
}

export function intentOf(id: string, over: Partial<Intent> = {}): Intent {
  return sampleIntent({ intent_id: id, created_at: new Date().toISOString(), ...over });
}

export const hashOf = (id: string) => `sha256-${id}`;

export async function startFlowRig(o: { env?: Record<string, string>; log?: EventLog; logger?: Logger } = {}): Promise<FlowRig> {
  const home = makeTempDir('phoenix-flow');
  const config = loadConfig({
    PHOENIX_HOME: home.dir,
    TIME_SCALE: '0.01',
    APPROVAL_TOKEN_SECRET: SECRET,
    PHOENIX_HOST_ID: 'flow-host',
    RECONCILE_INTERVAL_S: '3600',
    ...o.env,
  });
  const log = o.log ?? new MemoryEventLog();
  const logger = o.logger ?? silentLogger;
  const clock = systemClock;
  const writer = new BeadWriter({ log, clock, ids: uuidV7Ids, hostId: config.PHOENIX_HOST_ID, mode: config.mode });
  const alerts = outboxAlerts(writer, config, clock);
  const killRequests: KillSwitchEvent[] = [];
  let flag: 'ARMED' | 'SET' = 'ARMED';
  const killSwitch: KillSwitchPort = {
    flag: () => flag,
    request: async (e) => {
      killRequests.push(e);
      flag = 'SET';
    },
  };
  // As the host wires it: the broker's hooks wait for the flow, so its first reconciliation (and readiness) is never lost.
  const flowHooks = flowBrokerHooks();
  const broker = await startBroker({
    config,
    writer,
    clock,
    logger,
    runId: 'flow-run',
    alerts,
    hooks: flowHooks.hooks,
  });
  const started = await startTradeFlow({ config, writer, clock, logger, broker, alerts, killSwitch, watchIntents: false });
  flowHooks.attach(started);
  await broker.connection.waitFor(['CONNECTED']);

  const beads = async () => {
    const out: Bead[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
    return out;
  };
  const ofType = async <T extends BeadType>(type: T): Promise<BeadOf<T>[]> => (await beads()).filter((b) => b.bead_type === type) as unknown as BeadOf<T>[];
  return {
    config,
    log,
    writer,
    broker,
    flow: started,
    killRequests,
    setKillFlag: (f) => {
      flag = f;
    },
    beads,
    ofType,
    async waitForBead<T extends BeadType>(type: T, match: (b: BeadOf<T>) => boolean, what: string, timeoutMs = 10_000): Promise<BeadOf<T>> {
      let found: BeadOf<T> | undefined;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        found = (await ofType(type)).find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async ready(intent) {
      const {
        beads: [bead],
      } = await writer.write({
        bead_type: 'INTENT',
        stream: streams.intent(intent.intent_id),
        correlation_id: intent.intent_id,
        data: { outcome: 'ACCEPTED', intent, source_file: `${intent.intent_id}.yaml`, content_hash: hashOf(intent.intent_id) },
      });
      await started.onReadyIntent(intent, bead as BeadOf<'INTENT'>);
    },
    async decide(intentId, decision = 'APPROVE', contentHash = hashOf(intentId)) {
      // As `phoenix approve` writes it (issue 17): bound to the order shown, with the operator's proof.
      const shown = (await ofType('APPROVAL')).filter((b) => b.data.intent_id === intentId && b.data.event === 'EVIDENCE_SHOWN').at(-1);
      const order = (shown?.data.evidence as { order?: OrderBinding } | undefined)?.order;
      const {
        beads: [bead],
      } = await writer.write({
        bead_type: 'APPROVAL',
        stream: streams.approval(intentId),
        correlation_id: intentId,
        data: {
          intent_id: intentId,
          event: 'DECISION',
          decision,
          decided_by: 'alice',
          channel: 'TERMINAL',
          content_hash: contentHash,
          ...(order ? { binding: order } : {}),
          proof: { method: 'OPERATOR', operator: 'alice' },
        },
      });
      return bead!;
    },
    async close(positionId, intentId) {
      await writer.write(closeRequestDraft({ positionId, intentId, pair: 'EURUSD', who: 'cli:alice', reason: 'test close' }));
    },
    async stop() {
      await started.stop();
      await broker.stop();
      home.remove();
    },
  };
}
