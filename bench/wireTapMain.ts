import { epochNow, WireTapRelay } from './wireTapRelay.ts';

/**
 * The wire tap's own process. Started by wireTapProcess.ts with an IPC
 * channel; argv: the simulator's port. Messages out: listening, arrival,
 * pong; messages in: ping (clock calibration), close.
 */

type Inbound = { type: 'ping'; n: number } | { type: 'close' };

const upstream = Number(process.argv[2]);
if (!Number.isInteger(upstream) || upstream <= 0 || !process.send) {
  process.stderr.write('usage: wireTapMain.ts <simulator port> (started with an IPC channel)\n');
  process.exit(2);
}
const send = (message: object) => process.send?.(message);
const relay = new WireTapRelay(upstream, (id, at) => send({ type: 'arrival', id, at }));
process.on('message', (m: Inbound) => {
  if (m.type === 'ping') send({ type: 'pong', n: m.n, at: epochNow() });
  else void relay.close().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
send({ type: 'listening', port: await relay.listen() });
