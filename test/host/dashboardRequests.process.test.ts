import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * S14: no request to the dashboard can take a running host down. A request
 * line whose URL does not parse threw inside the server's callback, outside
 * any handler's error path, and ended the process; now anything a request
 * runs that throws is answered 500 and logged.
 */
function rawRequest(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(answer.split('\r\n', 1)[0] ?? ''));
    socket.on('error', reject);
  });
}

let temp: { dir: string; remove: () => void };
beforeEach(() => {
  temp = makeTempDir('phoenix-dashboard-requests');
});
afterEach(() => temp.remove());

describe('the host dashboard under bad requests', () => {
  it('answers a request whose URL does not parse with 500, logs it, and the host runs on', async () => {
    const host = startPhoenix(['run'], { PHOENIX_HOME: temp.dir, LOG_LEVEL: 'error', LOG_FORMAT: 'json', TIME_SCALE: '0.01' });
    const url = new URL((await host.waitForOutput(/dashboard: http:\/\/127\.0\.0\.1:\d+\//, 30_000)).replace('dashboard: ', ''));
    const port = Number(url.port);
    expect(await rawRequest(port, 'http://[::1')).toBe('HTTP/1.1 500 Internal Server Error');
    await host.waitForOutput(/"msg":"dashboard request failed"/);
    expect(await rawRequest(port, '/healthz')).toBe('HTTP/1.1 200 OK');
    expect(host.child.exitCode).toBeNull();
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });
});
