/**
 * The one reading of a number from outside: Redis replies and INFO fields, pg's int8/numeric text,
 * JSON. Numbers and bigints as they are, numeric text (surrounding blanks allowed); empty or blank
 * text, NaN, infinities, null and anything else are not a number. (`Number('')` is 0: a field that
 * is present but empty must not read as a zero.)
 */
export function finiteNumber(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && value.trim() !== '') n = Number(value);
  else return undefined;
  return Number.isFinite(n) ? n : undefined;
}
