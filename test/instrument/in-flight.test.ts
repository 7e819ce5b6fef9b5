import { ServerResponse, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { InFlight } from '../../src/instrument/in-flight';

const response = () => new ServerResponse(new IncomingMessage(new Socket()));

describe('InFlight', () => {
  it('finds each response it holds, in slots and past them, and nothing else', () => {
    const table = new InFlight<number>();
    const responses = Array.from({ length: 40 }, response);
    const slots = responses.map((res, i) => table.add(res, i));
    expect(slots.filter((s) => s >= 0)).toHaveLength(16);
    expect(slots.slice(16).every((s) => s === -1)).toBe(true);
    expect(table.size).toBe(40);
    responses.forEach((res, i) => expect(table.get(res)).toBe(i));
    expect(table.get(response())).toBeUndefined();
  });

  it('reuses freed slots and holds nothing once every response is deleted', () => {
    const table = new InFlight<string>();
    const responses = Array.from({ length: 20 }, response);
    const slots = responses.map((res, i) => table.add(res, `r${i}`));
    // Free a slot in the middle: the next response takes it, not the Map.
    table.delete(responses[3], slots[3]);
    expect(table.get(responses[3])).toBeUndefined();
    const late = response();
    expect(table.add(late, 'late')).toBe(slots[3]);
    expect(table.get(late)).toBe('late');
    expect(table.get(responses[19])).toBe('r19');
    table.delete(late, slots[3]);
    responses.forEach((res, i) => i !== 3 && table.delete(res, slots[i]));
    expect(table.size).toBe(0);
    for (const res of responses) expect(table.get(res)).toBeUndefined();
  });
});
