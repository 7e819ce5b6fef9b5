import http from 'node:http';
import net from 'node:net';

/** A TCP server that records every connection and never answers: proof that nothing was contacted. */
export interface Trap {
  readonly port: number;
  connections: number;
  close(): Promise<void>;
}

export async function startTrap(): Promise<Trap> {
  const sockets = new Set<net.Socket>();
  const trap: Trap = { port: 0, connections: 0, close: async () => undefined };
  const server = net.createServer((socket) => {
    trap.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (trap as { port: number }).port = (server.address() as net.AddressInfo).port;
  trap.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return trap;
}

/** An HTTP health endpoint that counts requests and answers 200 after `delayMs`. */
export interface CountingServer {
  readonly port: number;
  requests: number;
  /** The Authorization header of the latest request. */
  lastAuthorization?: string;
  close(): Promise<void>;
}

export async function startCountingServer(delayMs = 0): Promise<CountingServer> {
  const state: CountingServer = { port: 0, requests: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    state.requests++;
    state.lastAuthorization = req.headers.authorization;
    setTimeout(() => res.end('ok'), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (state as { port: number }).port = (server.address() as net.AddressInfo).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** The value of one sample in exposition text, or undefined. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
