import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { heartbeatGapMs, readDashboardView } from '../../actors/telegram/logViews.ts';
import { statusLines } from '../../projections/dashboardText.ts';
import { type LeaseLiveness, leaseLiveness } from '../../store/lease.ts';
import { type Command, EXIT, parseCommandArgs, writeLine } from '../command.ts';
import { openLogToRead } from '../readLog.ts';

const HELP = `Usage: phoenix status [--json]

The dashboard in the terminal (S9): health, mode, host, IB connection, kill
flag, positions, pending approvals, recent alerts, drift and gates, read from
the log through the same projections as the web dashboard. Read-only: safe
beside a running host. It also says whether a live host holds the log's
lease, which decides how 'phoenix halt' reaches the gateway.

Options:
  --json   the dashboard view as one JSON document (what /api/dashboard serves), plus "lease"`;

function leaseText(lease: LeaseLiveness | { unreadable: string }): string {
  if ('unreadable' in lease) return `lease unreadable: ${lease.unreadable}`;
  if (lease.live) return `lease held (pid ${lease.holder.pid} on ${lease.holder.hostname}, until ${lease.holder.expiresAt})`;
  return `no live host holds the lease (${lease.why}): phoenix halt would act on the gateway directly`;
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'the dashboard in the terminal: health, kill flag, positions, alerts, drift, gates',
  help: HELP,
  readOnly: true,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    const config = loadConfig(io.env, io.cwd);
    const log = await openLogToRead(config);
    try {
      const now = systemClock.now();
      const view = await readDashboardView(log, now, heartbeatGapMs(config));
      const lease = await leaseLiveness(log, { clock: systemClock }).catch((err: Error) => ({ unreadable: err.message }));
      if (values.json) {
        writeLine(io.stdout, JSON.stringify({ ...view, lease }));
      } else {
        for (const line of statusLines(view, { lease: leaseText(lease) })) writeLine(io.stdout, line);
      }
      return EXIT.ok;
    } finally {
      await log.close();
    }
  },
};
