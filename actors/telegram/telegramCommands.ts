import { briefStatusLines, healthLines, killFlagLines, positionLines } from '../../projections/dashboardText.ts';
import type { EventLog } from '../../store/port.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import type { KillSwitch } from '../killswitch/killSwitchActor.ts';
import type { TelegramRouter } from './telegramRouter.ts';
import { registerHaltCommands } from './haltCommands.ts';
import { heartbeatGapMs, readDashboardView, readGapsText } from './logViews.ts';
import { shortLine, shortReason } from './telegramText.ts';
import type { DashboardView } from '../../projections/dashboardView.ts';

const KILLSWITCH_IN_FULL = 'phoenix replay --stream killswitch';

/** The buttons of `phoenix telegram test --sequence`'s mock approval: pressed, they are answered and do nothing. */
export const TEST_BUTTON_ACTION = 'TEST';

/** The view with the kill flag's reason shortened: /status and /health repeat it, and it may be pages long. */
function phoneView(v: DashboardView): DashboardView {
  const reason = v.kill_flag.reason;
  if (reason === undefined) return v;
  return { ...v, kill_flag: { ...v.kill_flag, reason: shortReason(reason, KILLSWITCH_IN_FULL) } };
}

export interface TelegramCommandDeps {
  log: EventLog;
  writer: BeadWriter;
  clock: Clock;
  killSwitch: KillSwitch;
  config: Pick<Config, 'PHOENIX_HOST_ID' | 'HEARTBEAT_INTERVAL_S' | 'HEARTBEAT_JITTER_S' | 'TIME_SCALE'>;
  /** How long /halt waits for the host to report COMPLETED before answering "still running" (real ms). */
  haltReplyTimeoutMs?: number;
}

/**
 * The S7.2 commands on the bot's router. The router has already checked the
 * chat and the user (and written a SECURITY bead for anyone else), so every
 * handler here speaks to an authorised operator. Read commands answer from
 * the log's projections; /halt and /resume change state only through beads.
 */
export function registerTelegramCommands(router: TelegramRouter, deps: TelegramCommandDeps): void {
  const gapMs = heartbeatGapMs(deps.config);
  const view = async () => phoneView(await readDashboardView(deps.log, deps.clock.now(), gapMs));
  router
    .command(
      'status',
      async (ctx) => {
        const v = await view();
        // The live flag, not only the last bead: a SET held in memory (log unwritable) must show here.
        const live = deps.killSwitch.killFlag() === v.kill_flag.state ? [] : [`Kill flag in this host: ${shortLine(deps.killSwitch.describe(), KILLSWITCH_IN_FULL)}`];
        await ctx.reply([...briefStatusLines(v), ...live].join('\n'));
      },
      'health, mode, connection, kill flag, positions',
    )
    .command(
      'health',
      async (ctx) => {
        const v = await view();
        await ctx.reply([...healthLines(v), ...killFlagLines(v)].join('\n'));
      },
      'the last heartbeat and its checks',
    )
    .command('positions', async (ctx) => void (await ctx.reply(positionLines(await view()).join('\n'))), 'open positions with P&L')
    .command(
      'gaps',
      async (ctx) => {
        const lines = await readGapsText(deps.log, deps.config.PHOENIX_HOST_ID, deps.clock.now(), gapMs);
        await ctx.reply(lines.join('\n'));
      },
      'heartbeat gaps (24 h) and lost IB sessions (7 days)',
    );
  router.callback(TEST_BUTTON_ACTION, () => ({ answer: 'A test button (phoenix telegram test): nothing was done.' }));
  registerHaltCommands(router, deps);
}
