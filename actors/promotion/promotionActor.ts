import type { Bead, BeadOf } from '../../beads/index.ts';
import { type PromotionCommand, type PromotionEvent, promotionMachine, type Sweep, sweepComplete, windowMsOf } from '../../machines/promotion.ts';
import { promotionEventOf, type PromotionSnapshot, promotionStateOf } from '../../machines/promotionReplay.ts';
import { type Standing, type StandingOptions, standingOf } from '../../projections/deskStanding.ts';
import { standingOn } from '../../projections/hostFolds.ts';
import { ProjectionEngine } from '../../runtime/projectionEngine.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { Logger } from '../../runtime/logger.ts';
import { MachineActor } from '../../runtime/machineActor.ts';
import type { EventLog } from '../../store/port.ts';
import type { SweepRunner } from './sweepRunner.ts';

/**
 * The promotion actor (S3.6, issue 14). It follows the log: every bead goes
 * into the desk's standing (phase-1 gates, Phase-2 ops quality, the
 * promotion beads); once caught up it rebuilds the machine from its beads,
 * writes what the machine owed and no host wrote (a `phoenix config set`
 * made while no host ran), and from then on tells the machine each
 * CONFIG_CHANGE, bunny verdict and person's decision as it lands, and the
 * gates' facts with every heartbeat of this host and whenever the machine
 * asks. Its PROMOTION beads go through the host's writer; a sweep it is
 * asked for starts only once the bead that names it is in the log.
 */

export interface PromotionDeps {
  config: Config;
  /** The host's log: read (checked) and followed. */
  log: EventLog;
  writer: BeadWriter;
  clock: Clock;
  logger: Logger;
  sweeps: SweepRunner;
  runbooks?: StandingOptions['runbooks'];
  /**
   * The host's projection engine, not yet caught up (issue 15): the
   * standing's folds go on it. Absent, the actor runs an engine of its own.
   */
  engine?: ProjectionEngine;
}

export interface RunningPromotion {
  /** Resolves once the machine is rebuilt and following the log. */
  readonly ready: Promise<void>;
  /** Whether it has caught up with the log (before that, its standing is partial). */
  caughtUp(): boolean;
  state(): PromotionSnapshot | undefined;
  /** The desk's standing now, as `phoenix promote --status` shows it. */
  standing(): Standing;
  stop(): Promise<void>;
}

export function standingOptions(config: Config, runbooks?: StandingOptions['runbooks']): StandingOptions {
  return {
    windowMs: windowMsOf(config.PROMOTION_WINDOW_DAYS, config.TIME_SCALE),
    gapMs: (config.HEARTBEAT_INTERVAL_S + config.HEARTBEAT_JITTER_S) * 1000 * config.TIME_SCALE,
    ...(runbooks ? { runbooks } : {}),
  };
}

export function startPromotion(d: PromotionDeps): RunningPromotion {
  const logger = d.logger.child({ actor: 'promotion' });
  const options = standingOptions(d.config, d.runbooks);
  const own = d.engine === undefined;
  const engine = d.engine ?? new ProjectionEngine({ log: d.log, logger: d.logger, clock: d.clock });
  const folded = standingOn(engine, options);
  const ownBeats = `heartbeat-${d.config.PHOENIX_HOST_ID}`;
  let shell: MachineActor<typeof promotionMachine> | undefined;
  let lastRecorded: BeadOf<'PROMOTION'> | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const standing = () => standingOf(folded(), d.clock.now(), options);
  const send = (event: PromotionEvent) => shell?.send(event);
  const tellFacts = () => send({ type: 'FACTS', at: d.clock.now(), facts: standing().facts });

  async function runSweep(sweep: Sweep, triggeredBy: string | undefined): Promise<void> {
    await d.sweeps.start(sweep, triggeredBy ?? 'a PROMOTION bead not yet read back');
  }

  function restore(): void {
    const s = standing();
    const replay = s.promotion;
    for (const a of replay.anomalies) logger.warn({ anomaly: a }, 'a promotion bead did not fit the machine');
    shell = new MachineActor({
      machine: promotionMachine,
      start: { snapshot: replay.snapshot, input: { windowMs: options.windowMs, startedAt: 0 } },
      writer: d.writer,
      logger,
      name: 'promotion',
      claimsStream: false,
      onBead: (bead) => {
        if (bead.bead_type === 'PROMOTION') lastRecorded = bead;
        logger.info({ state: bead.bead_type === 'PROMOTION' ? bead.data.state : undefined, reason: bead.bead_type === 'PROMOTION' ? bead.data.reason : undefined }, 'promotion moved');
      },
      onCommand: (c: PromotionCommand) => {
        if (c.command === 'check-facts') tellFacts();
        else void runSweep(c.sweep, lastRecorded?.data.sweep?.run_id === c.sweep.runId ? lastRecorded.bead_id : undefined);
      },
      onOther: (e) => {
        if (e.type === 'refused') logger.warn({ event: e.event, why: e.why }, 'the promotion machine refused an event');
      },
    });
    shell.start();
    // What the machine owed while no host ran (a change made with the host down): written now, in order; then an owed sweep runs.
    void shell.mailbox.run(async () => {
      const written: Bead[] = [];
      for (const owed of replay.owed) written.push(await d.writer.append(owed.draft));
      const sweep = replay.snapshot.context.sweep;
      if (sweep === null || sweepComplete(sweep)) return;
      const asked = [...folded().promotionBeads, ...written].reverse().find((b): b is BeadOf<'PROMOTION'> => b.bead_type === 'PROMOTION' && b.data.sweep?.run_id === sweep.runId);
      logger.warn({ run_id: sweep.runId }, 'a revalidation sweep is owed and not finished: running it (again)');
      await runSweep(sweep, asked?.bead_id);
    });
    tellFacts();
    logger.info({ state: promotionStateOf(shell.snapshot) }, 'promotion restored from the log');
    markReady();
  }

  /** A live bead, after the engine's folds have it. */
  function onBead(bead: Bead): void {
    if (!shell) return;
    // Its own records come back through the log: they are not news to the machine.
    if (bead.bead_type === 'PROMOTION' && bead.data.event !== 'DECISION') return;
    const event = promotionEventOf(bead);
    if (event) {
      send(event);
      tellFacts();
    } else if (bead.bead_type === 'HEARTBEAT' && bead.stream === ownBeats) tellFacts();
  }

  const offLive = engine.onLive((entry) => {
    if (entry.kind === 'bead') onBead(entry.bead);
  });
  void engine.whenCaughtUp().then(() => {
    if (!shell) restore();
  });
  if (own) void engine.start().catch((err: Error) => logger.error({ err: err.message }, 'promotion stopped following the log'));

  return {
    ready,
    caughtUp: () => shell !== undefined,
    state: () => shell?.snapshot,
    standing,
    async stop() {
      await d.sweeps.stop();
      offLive();
      if (own) await engine.stop();
      shell?.stop();
      await shell?.settled();
    },
  };
}

/** The standing as /metrics reads it. */
export function phase2Source(s: Standing): { promotion: string; liveGateOpen: boolean; gates: Standing['phase2'] } {
  return { promotion: s.promotion.state, liveGateOpen: s.live.open, gates: s.phase2 };
}
