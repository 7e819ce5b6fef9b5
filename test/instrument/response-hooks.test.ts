import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { watchResponses } from '../../src/instrument/response-hooks';

describe('watchResponses', () => {
  it('leaves every event of a response as it was: arguments, listeners and the answer of emit', () => {
    watchResponses();
    watchResponses(); // a second entry point wraps nothing twice
    const res = new ServerResponse(new IncomingMessage(new Socket()));
    const got: unknown[][] = [];
    res.on('custom', (...args: unknown[]) => got.push(args));
    res.on('close', (...args: unknown[]) => got.push(['close', ...args]));
    expect(res.emit('custom', 1, 'two', { three: 3 })).toBe(true);
    expect(res.emit('custom')).toBe(true);
    expect(res.emit('nobody-listens', 1)).toBe(false);
    expect(res.emit('close')).toBe(true);
    expect(got).toEqual([[1, 'two', { three: 3 }], [], ['close']]);
    expect(ServerResponse.prototype.emit.name).toBe('emit');
    expect(ServerResponse.prototype.writeHead.name).toBe('writeHead');
  });
});
