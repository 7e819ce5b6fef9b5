import { SNAPSHOT_LIMITS } from './snapshot';

/**
 * Cuts `s` to `max` characters. A cut string is copied rather than sliced: V8 keeps a slice's whole
 * parent alive, so a 10 KB header kept as a 200-character slice would still cost 10 KB.
 */
export function cut(s: string, max: number = SNAPSHOT_LIMITS.string): string {
  if (s.length <= max) return s;
  return Buffer.from(s.slice(0, max), 'utf8').toString('utf8');
}

/** A bounded ring of the newest `capacity` items; `newestFirst()` copies them out. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  newestFirst(): T[] {
    const out: T[] = [];
    for (let i = 1; i <= this.size; i++) out.push(this.items[(this.next - i + this.capacity) % this.capacity]!);
    return out;
  }
}
