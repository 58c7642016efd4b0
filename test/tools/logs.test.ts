/**
 * Log lines as a person reads them: LOG_FORMAT pretty, json or auto (pretty
 * on a terminal, JSON otherwise), and never a key twice in one line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../../runtime/logger.ts';
import { cleanEnv, startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function capture(options: Omit<LoggerOptions, 'destination'>, tty = false) {
  const destination = Object.assign(new PassThrough(), { isTTY: tty });
  let text = '';
  destination.on('data', (d: Buffer) => (text += d.toString()));
  return { logger: createLogger({ ...options, destination }), text: () => text };
}

/** How many times `"key":` starts a key at the top level of one JSON line. */
function keyCounts(line: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of line.matchAll(/[{,]"([^"]+)":/g)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  return counts;
}

describe('log lines', () => {
  it('a child of a child with the same key says it once, the inner name winning', () => {
    const out = capture({ format: 'json' });
    const broker = out.logger.child({ actor: 'broker' });
    broker.child({ actor: 'broker-connection', attempt: 1 }).info({ port: 4002 }, 'socket connected');
    broker.info('IB connection CONNECTED');
    const [inner, outer] = out.text().trim().split('\n');
    expect([...keyCounts(inner!).values()].every((n) => n === 1)).toBe(true);
    expect(JSON.parse(inner!)).toMatchObject({ actor: 'broker-connection', attempt: 1, port: 4002, msg: 'socket connected' });
    expect(JSON.parse(outer!)).toMatchObject({ actor: 'broker', msg: 'IB connection CONNECTED' });
  });

  it('json is one JSON object a line; pretty is a line for people; auto is pretty on a terminal only', () => {
    const json = capture({ format: 'json' });
    json.logger.child({ actor: 'dashboard' }).info({ url: 'http://127.0.0.1:7070/' }, 'dashboard listening');
    expect(JSON.parse(json.text())).toMatchObject({ level: 30, actor: 'dashboard', msg: 'dashboard listening' });

    const pretty = capture({ format: 'pretty' });
    pretty.logger.child({ actor: 'dashboard' }).info({ url: 'http://127.0.0.1:7070/' }, 'dashboard listening');
    expect(pretty.text()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: dashboard: dashboard listening\n {4}url: "http:\/\/127\.0\.0\.1:7070\/"\n$/);

    const autoTty = capture({ format: 'auto' }, true);
    autoTty.logger.info('hello');
    expect(autoTty.text()).toMatch(/INFO: hello/);
    const autoPipe = capture({ format: 'auto' }, false);
    autoPipe.logger.info('hello');
    expect(JSON.parse(autoPipe.text())).toMatchObject({ msg: 'hello' });
  });

  it('pretty lines are coloured only when asked, and secrets stay redacted', () => {
    const plain = capture({ format: 'pretty', colour: false });
    plain.logger.warn({ token: 'hunter2-secret' }, 'careful');
    expect(plain.text()).not.toContain('\x1b[');
    expect(plain.text()).toContain('[redacted]');
    expect(plain.text()).not.toContain('hunter2-secret');
    const coloured = capture({ format: 'pretty', colour: true });
    coloured.logger.warn('careful');
    expect(coloured.text()).toContain('\x1b[');
  });
});

describe('phoenix run logs', () => {
  let home: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    home = makeTempDir('phoenix-logs');
  });
  afterEach(() => home.remove());

  async function runUntilConnected(env: Record<string, string>): Promise<string> {
    const host = startPhoenix(['run'], { PHOENIX_HOME: home.dir, LOG_LEVEL: 'info', ...env });
    await host.waitForOutput(/resynced with the broker/);
    host.child.kill('SIGTERM');
    const end = await host.done;
    expect(end.code).toBe(0);
    return end.stderr;
  }

  it('into a pipe (auto): JSON lines, none with a key twice (the broker connection says "broker-connection" once)', async () => {
    const lines = (await runUntilConnected({})).trim().split('\n');
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow();
      const repeated = [...keyCounts(line)].filter(([, n]) => n > 1);
      expect(repeated, line).toEqual([]);
    }
    const connection = lines.find((l) => l.includes('socket connected'));
    expect(JSON.parse(connection!)).toMatchObject({ actor: 'broker-connection' });
  });

  it('LOG_FORMAT=pretty: lines for people, at once, even into a pipe', async () => {
    const text = await runUntilConnected({ LOG_FORMAT: 'pretty' });
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: APPROVAL_TOKEN_SECRET is not set: mock mode made a new approval secret/m);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: broker-connection: socket connected$/m);
    expect(text).toMatch(/INFO: host stopped/);
    expect(text).not.toMatch(/^\{"level"/m);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('on a terminal (auto): pretty and coloured; NO_COLOR keeps it pretty and plain', async () => {
    const onTty = async (extra: Record<string, string>) => {
      const child = spawn('script', ['-qec', `exec ${JSON.stringify(process.execPath)} bin/phoenix.mjs run`, '/dev/null'], {
        cwd: ROOT,
        env: cleanEnv({ PHOENIX_HOME: home.dir, LOG_LEVEL: 'info', ...extra }),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const done = new Promise((r) => child.on('close', r));
      const deadline = Date.now() + 20_000;
      while (!/resynced with the broker/.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill('SIGKILL');
          throw new Error(`no host start on the pty: ${out}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      child.stdin.write('\x03'); // Ctrl-C at the terminal: SIGINT to the host, which stops cleanly
      await Promise.race([done, new Promise((r) => setTimeout(r, 15_000))]);
      expect(out).toMatch(/host stopped/);
      return out;
    };
    const coloured = await onTty({});
    expect(coloured).toMatch(/INFO.*broker-connection: .*socket connected/);
    expect(coloured).toContain('\x1b[');
    expect(coloured).not.toMatch(/\{"level"/);
    const plain = await onTty({ NO_COLOR: '1' });
    expect(plain).toMatch(/INFO: broker-connection: socket connected/);
    expect(plain).not.toContain('\x1b[');
  });
});
