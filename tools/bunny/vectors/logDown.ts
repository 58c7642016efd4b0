import { CHAT_ID, ScratchDesk } from '../desk.ts';
import { CheckFailed } from '../judge.ts';
import { childEnv, listeningLine, spawnTool } from '../toolProcess.ts';
import { resumeCommand } from '../../commands/resume.ts';
import { approve, dropIntent, evidenceShown, messagesAt, simOrdersOf } from '../trading.ts';
import { prepareLogVolume } from '../unwritableLog.ts';
import type { Vector } from '../vector.ts';

/** Wave 4, the log itself goes away (S2 fail closed): a full disk under SQLite, an unreachable EventStoreDB. */

export const logNotWritable: Vector = {
  id: 'S10_LOG_NOT_WRITABLE',
  wave: 4,
  title: 'log not writable',
  inject: 'a person approves; before the host acts on it, the disk under the SQLite log fills up (PHOENIX_HOME on a 48 MiB tmpfs filled to ENOSPC; where mounting is not allowed, the WAL made immutable)',
  expect: 'fail closed: nothing reaches the broker; a CRITICAL "Event log unavailable" alert reaches the phone anyway; the host stays up',
  runbook: 'RB-013',
  alerts: { raise: ['LOG_UNAVAILABLE'], notRaise: ['HOST_DOWN', 'RECONCILIATION_DRIFT'] },
  desk: { timeScale: 0.05 },
  opensDesk: false,
  budgetMs: 60_000,
  async run(_desk, j, ctx) {
    const volume = prepareLogVolume(ctx.home);
    let desk: ScratchDesk | undefined;
    try {
      desk = await ScratchDesk.open(ctx.home, { ...this.desk, env: { ...this.desk.env, ...ctx.settings, PHOENIX_HOME: volume.home } });
      ctx.observe?.(desk);
      const host = await desk.startHost();
      await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
      await dropIntent(desk, 'lw');
      await evidenceShown(desk, 'lw');
      // Hold the host still while the decision lands and the disk fills: it acts on the decision only after.
      host.signal('SIGSTOP');
      let how: string;
      try {
        const ran = await approve(desk, 'lw');
        j.ensure(ran.code === 0, 'phoenix approve records the decision before the disk fills', `exit ${ran.code}: ${ran.stderr.trim()}`);
        how = volume.break();
      } finally {
        host.signal('SIGCONT');
      }
      j.check(true, 'the log made unwritable', how);
      const phone = await desk
        .until(async () => (await messagesAt(desk!, /CRITICAL[\s\S]*Event log unavailable/)).at(0), 'CRITICAL "Event log unavailable" message at the Bot API stand-in', 8_000)
        .catch((err: Error) => err);
      j.check(!(phone instanceof Error) && /RB-013/.test(phone.text), 'the operator is told, from memory, naming RB-013', phone instanceof Error ? `missing: ${phone.message}` : JSON.stringify(phone.text.split('\n').slice(0, 2).join(' ')));
      const orders = await simOrdersOf(desk, 'lw');
      const counts = (await desk.sim.state()).counts;
      j.count('place_order_at_simulator', counts.placeOrder);
      j.check(orders.length === 0 && counts.placeOrder === 0, 'fail closed: nothing reached the broker', `${counts.placeOrder} placeOrder at the simulator`);
      volume.mend();
      const flag = j.cite(await desk.waitFor('KILL_FLAG', (b) => b.data.state === 'SET', 'KILL_FLAG SET recorded once the log takes writes again', 20_000));
      j.check(/event-log/.test(flag.data.who) || /SQLITE|log/i.test(flag.data.reason), 'the kill flag held, and reached the log once it could', `SET by ${flag.data.who}: ${flag.data.reason.slice(0, 160)}`);
      const beat = j.cite(await desk.waitFor('HEARTBEAT', (b) => b.host_id === desk!.env.PHOENIX_HOST_ID && b.data.status !== 'MISSED', 'a heartbeat once the log takes writes again (the host stayed up)', 15_000, { after: flag.position }));
      j.check(true, 'the host stayed up without its log', `it beats again: ${beat.bead_id} ${beat.data.status}`);
    } finally {
      await desk?.close();
      volume.release();
    }
  },
};

export const esdbUnreachable: Vector = {
  id: 'S10_ESDB_UNREACHABLE',
  wave: 4,
  title: 'EventStoreDB unreachable',
  inject: 'the host runs on EventStoreDB (a loopback node in its own process); the node goes down; the operator presses APPROVE on the phone meanwhile; the node comes back',
  expect: 'fail closed (nothing sent), an alert; on return the host resubscribes, records the kill flag it held, and after a person resumes (S2) a new approval goes through',
  runbook: 'RB-013',
  alerts: { raise: ['LOG_UNAVAILABLE'], notRaise: ['HOST_DOWN', 'RECONCILIATION_DRIFT'] },
  desk: { timeScale: 0.2 },
  opensDesk: false,
  budgetMs: 90_000,
  async run(_desk, j, ctx) {
    const { proc, line } = await spawnTool('esdb node', { main: 'tools/bunny/esdbStandIn.ts', args: [] }, { env: childEnv({}), firstLine: true });
    const node = listeningLine('esdb node', line);
    const control = (path: string) => fetch(`http://127.0.0.1:${node.controlPort}/${path}`, { method: 'POST' });
    let desk: ScratchDesk | undefined;
    try {
      desk = await ScratchDesk.open(ctx.home, { ...this.desk, env: { ...this.desk.env, ...ctx.settings, EVENTSTORE_CONNECTION_STRING: `esdb://127.0.0.1:${node.port}?tls=false` } });
      ctx.observe?.(desk);
      await desk.startHost();
      await desk.sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
      await dropIntent(desk, 'es-1');
      await evidenceShown(desk, 'es-1');
      const request = await desk.until(async () => (await desk!.tg.state()).messages.find((m) => JSON.stringify(m.reply_markup ?? '').includes('APPROVE:es-1')), 'the approval request with its buttons at the Bot API stand-in', 15_000);
      await control('down');
      const downAt = Date.now();
      await desk.tg.pressButton({ chatId: CHAT_ID, userId: Number(CHAT_ID), data: 'APPROVE:es-1', messageId: request.message_id });
      const alert = await desk.until(async () => (await messagesAt(desk!, /Event log unavailable|EventStoreDB|log.*unreachable/i)).at(0), 'alert at the Bot API that the log is unreachable', 10_000).catch((err: Error) => err);
      const nothing = await simOrdersOf(desk, 'es-1');
      j.check(nothing.length === 0, 'fail closed: nothing sent while the log was down', `${nothing.length} order(s) at the simulator`);
      j.check(!(alert instanceof Error), 'the operator is alerted that the log is unreachable', alert instanceof Error ? `missing: ${alert.message}` : JSON.stringify(alert.text.split('\n')[0]));
      const answers = (await desk.tg.state()).answers.length;
      j.count('button_presses_answered', answers);
      j.time('outage', Date.now() - downAt);
      await control('up');
      const back = await desk.waitFor('HEARTBEAT', (b) => b.host_id === desk!.env.PHOENIX_HOST_ID && Date.parse(b.ts) > Date.now() - 5_000, 'a heartbeat written after the node came back', 30_000).catch((err: Error) => err);
      if (back instanceof Error) throw new CheckFailed(`the host did not write to the log again after the node came back: ${back.message}`);
      j.cite(back);
      // S2: the flag set while the log was away holds until a person clears it, so the desk trades again only after a resume.
      const flag = j.cite(await desk.waitFor('KILL_FLAG', (b) => b.data.state === 'SET', 'KILL_FLAG SET recorded once the node is back', 20_000));
      j.check(true, 'the kill flag held through the outage, and reached the log on return', `SET by ${flag.data.who}: ${flag.data.reason.slice(0, 160)}`);
      const resumed = await desk.cli(resumeCommand, ['--reason', 'bunny: EventStoreDB is back and checked', '--as', 'bunny']);
      j.ensure(resumed.code === 0, 'a person resumes (phoenix resume)', `exit ${resumed.code}: ${resumed.stderr.trim().split('\n')[0]}`);
      await dropIntent(desk, 'es-2');
      await evidenceShown(desk, 'es-2');
      const ran = await approve(desk, 'es-2');
      const managed = ran.code === 0 ? await desk.waitFor('POSITION', (b) => b.data.position_id === 'es-2' && b.data.state === 'MANAGED', 'POSITION es-2 MANAGED (the host resubscribed and acted on the decision)', 30_000).catch((err: Error) => err) : undefined;
      j.check(managed !== undefined && !(managed instanceof Error), 'resubscribed on return: a decision after the resume is acted on', ran.code !== 0 ? `phoenix approve exit ${ran.code}: ${ran.stderr.trim().split('\n')[0]}` : managed instanceof Error ? managed.message : `MANAGED ${managed?.bead_id}`);
      if (managed && !(managed instanceof Error)) j.cite(managed);
    } finally {
      await desk?.close();
      await proc.stop();
    }
  },
};
