/**
 * Orders strings by UTF-16 code units, the same on every machine whatever its locale. Not
 * `localeCompare`: that goes through ICU's collator, which is slower per comparison (the queue
 * table sorts up to thousands of names per collection) and maps about 2 MB of ICU's data into the
 * process the first time it runs.
 */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether two string lists hold the same strings in the same order (the same array at once). */
export function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
