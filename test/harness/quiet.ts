/**
 * BullMQ queues and workers print a stack trace for an 'error' event nobody listens to. Tests that
 * stop Redis on purpose attach this: the connection errors they cause are expected (the test
 * asserts what the exporter makes of the outage); any other error is still printed.
 */
const EXPECTED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

export function expectOutages<T extends { on(event: 'error', listener: (err: Error) => void): unknown }>(client: T): T {
  client.on('error', (err: Error & { code?: string }) => {
    if (EXPECTED.has(err.code ?? '') || /Connection is closed/.test(err.message)) return;
    console.error(err);
  });
  return client;
}
