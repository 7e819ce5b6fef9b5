#!/usr/bin/env node
/**
 * `node dist/inbox/main.js`: the bundled alert receiver (docker-compose service alert-inbox).
 * INBOX_LISTEN (host:port, default 0.0.0.0:9095) is its only setting; a bad value exits 2.
 */
import http from 'node:http';
import { Inbox, inboxHandler } from './inbox';

function main(): void {
  const listen = process.env.INBOX_LISTEN ?? '0.0.0.0:9095';
  const m = /^\[?(.*?)\]?:(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) {
    process.stderr.write(
      `config error: INBOX_LISTEN: expected host:port, received ${JSON.stringify(listen.slice(0, 100))}\n`,
    );
    process.exit(2);
  }
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 10_000 }, inboxHandler(new Inbox()));
  server.listen(Number(m[2]), m[1] || undefined, () =>
    process.stdout.write(`${JSON.stringify({ msg: 'alert inbox listening', listen })}\n`),
  );
  server.on('error', (err) => {
    process.stderr.write(`fatal: ${err.message}\n`);
    process.exit(1);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
