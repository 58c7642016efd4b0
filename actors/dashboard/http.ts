import type { createServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The dashboard's HTTP plumbing: loopback rules, listening with clear errors, and one way to answer. */

export class DashboardPortError extends Error {
  override readonly name = 'DashboardPortError';
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** An IPv4 loopback address, written out: 127.0.0.1, 127.0.0.2… Never a name that merely starts with "127." (issue 17). */
const LOOPBACK_IPV4 = /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || LOOPBACK_IPV4.test(host);
}

/**
 * On loopback, only a loopback Host header is served: a web page that
 * rebinds its own DNS name to 127.0.0.1 must not read the desk's positions.
 */
export function hostHeaderAllowed(boundHost: string, header: string | undefined): boolean {
  if (!isLoopback(boundHost)) return true;
  if (!header) return false;
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : (header.split(':')[0] ?? '');
  return isLoopback(name.toLowerCase());
}

export function listen(server: ReturnType<typeof createServer>, host: string, port: number, what = 'dashboard', portVariable = 'DASHBOARD_PORT'): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (err.code === 'EADDRINUSE') reject(new DashboardPortError(`${what}: ${where} is already in use; stop what holds it or set ${portVariable} to a free port`));
      else if (err.code === 'EACCES') reject(new DashboardPortError(`${what}: not allowed to listen on ${where}; choose a port above 1023`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new DashboardPortError(`${what}: ${host} is not an address of this machine${what === 'dashboard' ? '; check DASHBOARD_HOST' : ''}`));
      else reject(err);
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

export const COMMON_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

export function urlOf(address: AddressInfo): string {
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shown}:${address.port}/`;
}
