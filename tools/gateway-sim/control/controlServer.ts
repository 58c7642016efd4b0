/**
 * The chaos control channel: a small JSON-over-HTTP server on loopback.
 * `POST /<command>` with a JSON body turns a knob (see controlSchemas.ts and
 * the README); `GET /state` returns the simulator's snapshot; `GET /health`
 * answers while the process lives (also during a simulated restart).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GatewaySimulator } from '../simulator.ts';
import { type ControlBody, type ControlCommand, isControlCommand, parseControlBody } from './controlSchemas.ts';

const MAX_BODY_BYTES = 64 * 1024;

export interface ControlServerOptions {
  host: string;
  port: number;
  /** Called after the reply to POST /kill has been written. */
  onKill(): void;
}

type Reply = { status: number; body: Record<string, unknown> };

function ok(extra: Record<string, unknown> = {}): Reply {
  return { status: 200, body: { ok: true, ...extra } };
}

function fail(status: number, error: string): Reply {
  return { status, body: { ok: false, error } };
}

export class ControlServer {
  private server: Server | undefined;
  private boundPort = 0;

  constructor(
    private readonly sim: GatewaySimulator,
    private readonly options: ControlServerOptions,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: Error) => this.write(res, fail(500, error.message)));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.boundPort = address.port;
    return this.boundPort;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/+|\/+$/g, '');
    if (req.method === 'GET') {
      if (path === 'state')
        return this.write(res, {
          status: 200,
          body: { ...this.sim.snapshot() },
        });
      if (path === 'health') return this.write(res, ok({ pid: process.pid }));
      return this.write(res, fail(404, `no GET /${path}; try GET /state`));
    }
    if (req.method !== 'POST') return this.write(res, fail(405, 'use GET or POST'));
    if (!isControlCommand(path)) return this.write(res, fail(404, `unknown command ${JSON.stringify(path)}`));
    const raw = await readBody(req);
    if (raw === undefined) return this.write(res, fail(413, 'body too large'));
    let json: unknown = {};
    if (raw.trim() !== '') {
      try {
        json = JSON.parse(raw);
      } catch {
        return this.write(res, fail(400, 'body is not JSON'));
      }
    }
    const parsed = parseControlBody(path, json);
    if (!parsed.ok) return this.write(res, fail(400, parsed.error));
    if (path === 'kill') {
      this.write(res, ok({ killing: true }));
      res.on('finish', () => this.options.onKill());
      return;
    }
    this.write(res, this.run(path, parsed.value));
  }

  private run(command: ControlCommand, body: ControlBody<ControlCommand>): Reply {
    const sim = this.sim;
    switch (command) {
      case 'silent':
      case 'unsilent':
        sim.setSilent(command === 'silent');
        return ok({ silent: command === 'silent' });
      case 'restart': {
        const b = body as ControlBody<'restart'>;
        if (sim.restarting) return fail(409, 'a restart is already under way');
        sim.restart(b);
        return ok({ port: sim.server.port, downtimeMs: b.downtimeMs });
      }
      case 'drop-next': {
        sim.server.dropNext = (body as ControlBody<'drop-next'>).count;
        return ok({ dropNext: sim.server.dropNext });
      }
      case 'lose-next-order': {
        sim.server.loseNextOrders = (body as ControlBody<'lose-next-order'>).count;
        return ok({ loseNextOrders: sim.server.loseNextOrders });
      }
      case 'delay-fills':
        sim.broker.flags.delayFillsMs = (body as ControlBody<'delay-fills'>).ms;
        return ok({ delayFillsMs: sim.broker.flags.delayFillsMs });
      case 'reject-next-order':
        sim.broker.flags.rejectNext = (body as ControlBody<'reject-next-order'>).reason ?? 'Simulated rejection';
        return ok({ rejectNext: sim.broker.flags.rejectNext });
      case 'partial-next':
        sim.broker.flags.partialNext = true;
        return ok({ partialNext: true });
      case 'spoof-position': {
        const b = body as ControlBody<'spoof-position'>;
        return ok({
          position: sim.broker.spoofPosition(b.pair, b.position, b.avgCost),
        });
      }
      case 'hold-client-id': {
        const b = body as ControlBody<'hold-client-id'>;
        sim.holdClientId(b.clientId, b.held, b.forMs);
        return ok({ clientId: b.clientId, held: b.held });
      }
      case 'set-price': {
        const b = body as ControlBody<'set-price'>;
        sim.setPrice(b.pair, b.price);
        return ok({ quote: sim.prices.quote(b.pair) });
      }
      case 'fill-order': {
        const b = body as ControlBody<'fill-order'>;
        const verdict = sim.broker.fillNow(b.orderId, b.qty, b.price);
        if (!verdict.ok) return fail(verdict.code, verdict.message);
        return ok({ order: sim.broker.order(b.orderId) });
      }
      case 'connectivity': {
        const b = body as ControlBody<'connectivity'>;
        return ok({ event: b.event, clients: sim.announceConnectivity(b.event) });
      }
      case 'malformed': {
        const b = body as ControlBody<'malformed'>;
        return ok({ kind: b.kind, clients: sim.sendMalformed(b.kind, b.clientId) });
      }
      case 'step': {
        const b = body as ControlBody<'step'>;
        for (let i = 0; i < b.count; i += 1) sim.step();
        return ok({ prices: sim.prices.snapshot() });
      }
      case 'kill':
        return fail(500, 'unreachable');
    }
  }

  private write(res: ServerResponse, reply: Reply): void {
    if (res.headersSent) return;
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }
}

/** Reads a request body up to MAX_BODY_BYTES; undefined when it is larger. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
