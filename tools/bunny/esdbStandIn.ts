/**
 * An EventStoreDB node for bunny's S10_ESDB_UNREACHABLE vector, as its own
 * process: the loopback gRPC server the store's conformance suite runs
 * against (tools/esdb-sim/, built from the service definitions the official
 * client ships), plus a control channel: POST /down stops the node (every
 * call cut, connections refused), POST /up starts it again on the same port
 * with its data, as a cluster node that comes back. No EventStoreDB server
 * can run on these machines, so this is the most real one there is.
 *
 *   node bin/run-ts.mjs tools/bunny/esdbStandIn.ts
 *   → {"event":"listening","port":…,"controlPort":…,"pid":…}
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeEventStore } from '../esdb-sim/fakeEventStore.ts';

const node = new FakeEventStore();
await node.start();
let up = true;

const control = createServer((req, res) => {
  const reply = (status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const path = new URL(req.url ?? '/', 'http://control.invalid').pathname;
  void (async () => {
    if (req.method === 'GET' && path === '/state') return reply(200, { ok: true, up, port: node.port, calls: node.calls });
    if (req.method === 'POST' && path === '/down') {
      await node.stop();
      up = false;
      return reply(200, { ok: true, up });
    }
    if (req.method === 'POST' && path === '/up') {
      await node.start();
      up = true;
      return reply(200, { ok: true, up });
    }
    return reply(404, { ok: false, error: `unknown request ${req.method} ${path}` });
  })().catch((err: Error) => reply(500, { ok: false, error: err.message }));
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', () => resolve()));
process.stdout.write(`${JSON.stringify({ event: 'listening', port: node.port, controlPort: (control.address() as AddressInfo).port, pid: process.pid })}\n`);
const stop = async () => {
  control.close();
  await node.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
