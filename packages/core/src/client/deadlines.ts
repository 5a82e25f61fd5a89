/**
 * Keyed deadlines with a cheap earliest(): a binary min-heap with lazy
 * deletion. Setting or deleting a key only updates the map; heap entries
 * whose time no longer matches the map are stale and skipped when they reach
 * the top. The heap is rebuilt when stale entries outnumber live ones, so
 * deadlines that restart often (progressive results) do not grow it.
 */
export class Deadlines<K> {
  private readonly at = new Map<K, number>();
  private heap: { time: number; key: K }[] = [];

  get size(): number {
    return this.at.size;
  }

  set(key: K, time: number): void {
    this.at.set(key, time);
    this.push({ time, key });
    if (this.heap.length > 2 * this.at.size + 32) this.rebuild();
  }

  delete(key: K): void {
    this.at.delete(key);
  }

  clear(): void {
    this.at.clear();
    this.heap = [];
  }

  /** The earliest live deadline, or undefined when there is none. */
  earliest(): number | undefined {
    this.dropStale();
    return this.heap[0]?.time;
  }

  /** Remove and return the key of the earliest deadline if it is `<= now`. */
  popExpired(now: number): K | undefined {
    this.dropStale();
    const top = this.heap[0];
    if (top === undefined || top.time > now) return undefined;
    this.pop();
    this.at.delete(top.key);
    return top.key;
  }

  private dropStale(): void {
    for (let top = this.heap[0]; top !== undefined && this.at.get(top.key) !== top.time; top = this.heap[0]) {
      this.pop();
    }
  }

  private rebuild(): void {
    this.heap = [];
    for (const [key, time] of this.at) this.push({ time, key });
  }

  private push(e: { time: number; key: K }): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.time <= e.time) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.time < h[l]!.time ? r : l;
      if (h[c]!.time >= last.time) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
