import { request } from 'node:http';
import { systemClock } from '../../runtime/clock.ts';
import type { Config } from '../../runtime/config/load.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { heartbeatGapMs, readDashboardView } from '../../actors/telegram/logViews.ts';
import { type MarksDocument, withLive } from '../../projections/dashboardLive.ts';
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

Open positions show their live marks (current price, unrealised P&L in the
quote currency and the account's, pips to stop and to target) when the
running host's dashboard answers at DASHBOARD_HOST:DASHBOARD_PORT: ticks are
not beads, so only the host has them. Without it, P&L is as of each
position's last bead, and the output says so.

Options:
  --json   the dashboard view as one JSON document (what /api/dashboard serves), plus "lease"`;

/** How long to wait for the host's marks: a terminal command must not hang on a busy host. */
const MARKS_TIMEOUT_MS = 1_500;

function leaseText(lease: LeaseLiveness | { unreadable: string }): string {
  if ('unreadable' in lease) return `lease unreadable: ${lease.unreadable}`;
  if (lease.live) return `lease held (pid ${lease.holder.pid} on ${lease.holder.hostname}, until ${lease.holder.expiresAt})`;
  return `no live host holds the lease (${lease.why}): phoenix halt would act on the gateway directly`;
}

/** The running host's marks from its dashboard (GET /api/marks), or undefined: no host, no dashboard, or no answer in time. */
function hostMarks(config: Pick<Config, 'DASHBOARD_HOST' | 'DASHBOARD_PORT'>): Promise<MarksDocument | undefined> {
  const wildcard = ['0.0.0.0', '::', '[::]'].includes(config.DASHBOARD_HOST);
  const host = wildcard ? '127.0.0.1' : config.DASHBOARD_HOST;
  if (config.DASHBOARD_PORT === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const req = request({ host, port: config.DASHBOARD_PORT, path: '/api/marks', timeout: MARKS_TIMEOUT_MS, headers: { Host: `127.0.0.1:${config.DASHBOARD_PORT}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          const doc = JSON.parse(body) as MarksDocument;
          resolve(res.statusCode === 200 && typeof doc.quotes === 'object' && doc.quotes !== null ? doc : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
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
      const [logView, lease] = await Promise.all([
        readDashboardView(log, now, heartbeatGapMs(config)),
        leaseLiveness(log, { clock: systemClock }).catch((err: Error) => ({ unreadable: err.message })),
      ]);
      // Only a live host has prices to give: without one, nothing is asked.
      const marks = 'live' in lease && lease.live ? await hostMarks(config) : undefined;
      const view = marks ? withLive(logView, { quotes: marks.quotes, accountCurrency: marks.account_currency }) : logView;
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
