import { finiteNumber } from '../../src/metrics/finite-number';

describe('finiteNumber: the one way the exporter reads a number from Redis, PostgreSQL or JSON', () => {
  test.each<[unknown, number | undefined]>([
    [42, 42],
    [-1.5, -1.5],
    [0, 0],
    ['0', 0],
    ['42', 42],
    [' 1.5 ', 1.5],
    ['1.5e3', 1500],
    ['-7', -7],
    [12n, 12],
    ['9007199254740993', 9007199254740992],
    // Not numbers: an empty field is not a zero.
    ['', undefined],
    ['   ', undefined],
    ['\n', undefined],
    ['abc', undefined],
    ['12abc', undefined],
    ['NaN', undefined],
    ['Infinity', undefined],
    ['-Infinity', undefined],
    [NaN, undefined],
    [Infinity, undefined],
    [null, undefined],
    [undefined, undefined],
    [true, undefined],
    [{}, undefined],
    [[], undefined],
    [['1'], undefined],
  ])('finiteNumber(%p) = %p', (input, expected) => {
    expect(finiteNumber(input)).toBe(expected);
  });
});
