/**
 * JSON laid out as the original's Python writes it (json.dump(…, indent=4,
 * sort_keys=True)), so that a file published here and one published there differ only
 * in their data: keys sorted, four spaces a level, no newline at the end. A list is
 * written an item at a time, so it never has to be held whole.
 */
import type { Publication } from '../durable/publish.js';

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

/** One value as Python lays it out at the given depth (its first line unindented, as it follows a separator). */
export function pythonJson(value: unknown, depth = 0): string {
  const text = JSON.stringify(sortedKeys(value), null, 4);
  return depth === 0 ? text : text.replace(/\n/g, `\n${' '.repeat(4 * depth)}`);
}

/** A JSON list written item by item into a publication. */
export class JsonListWriter {
  private count = 0;
  private pending: string[] = [];

  constructor(private readonly publication: Publication) {}

  get items(): number {
    return this.count;
  }

  /** Adds items; they are written when a page is complete (flush) or at the end. */
  add(item: unknown): void {
    this.pending.push(`${this.count === 0 ? '[\n    ' : ',\n    '}${pythonJson(item, 1)}`);
    this.count += 1;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    await this.publication.write(text);
  }

  async end(): Promise<void> {
    await this.flush();
    await this.publication.write(this.count === 0 ? '[]' : '\n]');
  }
}
