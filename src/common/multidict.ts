/**
 * Multi-value dictionaries, as in aio-libs/multidict: ordered (key, value) pairs where one key may
 * appear many times. `CIMultiDict` matches keys case-insensitively (HTTP headers) but keeps the
 * spelling each key was added with.
 */

/** What a MultiDict can be built from: another multidict, an array of pairs, or a plain object. */
export type MultiDictInit<V = string> =
  | MultiDictLike<V>
  | Iterable<readonly [string, V]>
  | Readonly<Record<string, V | readonly V[]>>;

/** The read-only view shared by every multidict kind. */
export interface MultiDictLike<V = string> extends Iterable<[string, V]> {
  readonly size: number;
  get(key: string): V | undefined;
  getAll(key: string): V[];
  has(key: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<V>;
  entries(): IterableIterator<[string, V]>;
}

function isMultiDictLike<V>(value: unknown): value is MultiDictLike<V> {
  return value instanceof MultiDict;
}

/** An ordered multi-value dictionary with case-sensitive keys. */
export class MultiDict<V = string> implements MultiDictLike<V> {
  /** Flat storage: keys at even indexes, values at odd ones; cheap to build and to iterate. */
  #keys: string[] = [];
  #values: V[] = [];

  constructor(init?: MultiDictInit<V>) {
    if (init !== undefined) this.extend(init);
  }

  /** The identity used to compare keys; CIMultiDict lower-cases. */
  protected norm(key: string): string {
    return key;
  }

  /** Number of (key, value) pairs, counting repeated keys. */
  get size(): number {
    return this.#keys.length;
  }

  /** First value for `key`, or undefined. */
  get(key: string): V | undefined {
    const k = this.norm(key);
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) {
      if (this.norm(keys[i]!) === k) return this.#values[i];
    }
    return undefined;
  }

  /** First value for `key`; throws a RangeError naming the key when there is none (aiohttp's `getone`). */
  getOne(key: string): V {
    const k = this.norm(key);
    for (let i = 0; i < this.#keys.length; i++) {
      if (this.norm(this.#keys[i]!) === k) return this.#values[i]!;
    }
    throw new RangeError(`key not found: ${key}`);
  }

  /** Every value for `key`, in insertion order. */
  getAll(key: string): V[] {
    const k = this.norm(key);
    const out: V[] = [];
    for (let i = 0; i < this.#keys.length; i++) {
      if (this.norm(this.#keys[i]!) === k) out.push(this.#values[i]!);
    }
    return out;
  }

  has(key: string): boolean {
    const k = this.norm(key);
    for (let i = 0; i < this.#keys.length; i++) {
      if (this.norm(this.#keys[i]!) === k) return true;
    }
    return false;
  }

  /** Appends a pair, keeping existing values for the key. */
  add(key: string, value: V): this {
    this.#keys.push(key);
    this.#values.push(value);
    return this;
  }

  /** Replaces every value of `key` with one value, at the position of the first one. */
  set(key: string, value: V): this {
    const k = this.norm(key);
    let found = -1;
    for (let i = 0; i < this.#keys.length; i++) {
      if (this.norm(this.#keys[i]!) === k) {
        if (found === -1) {
          found = i;
        } else {
          this.#keys.splice(i, 1);
          this.#values.splice(i, 1);
          i--;
        }
      }
    }
    if (found === -1) {
      this.#keys.push(key);
      this.#values.push(value);
    } else {
      this.#keys[found] = key;
      this.#values[found] = value;
    }
    return this;
  }

  /** Sets `key` only when absent; returns the value now stored first. */
  setDefault(key: string, value: V): V {
    const existing = this.get(key);
    if (existing !== undefined || this.has(key)) return existing as V;
    this.add(key, value);
    return value;
  }

  /** Removes every value of `key`; returns whether anything was removed. */
  delete(key: string): boolean {
    const k = this.norm(key);
    let removed = false;
    for (let i = this.#keys.length - 1; i >= 0; i--) {
      if (this.norm(this.#keys[i]!) === k) {
        this.#keys.splice(i, 1);
        this.#values.splice(i, 1);
        removed = true;
      }
    }
    return removed;
  }

  /** Removes and returns the first value of `key`. */
  popOne(key: string): V | undefined {
    const k = this.norm(key);
    for (let i = 0; i < this.#keys.length; i++) {
      if (this.norm(this.#keys[i]!) === k) {
        const v = this.#values[i];
        this.#keys.splice(i, 1);
        this.#values.splice(i, 1);
        return v;
      }
    }
    return undefined;
  }

  clear(): void {
    this.#keys = [];
    this.#values = [];
  }

  /** Adds every pair of `init`, keeping what is already there. */
  extend(init: MultiDictInit<V>): this {
    if (isMultiDictLike<V>(init) || Symbol.iterator in (init as object)) {
      for (const [k, v] of init as Iterable<readonly [string, V]>) this.add(k, v);
    } else {
      for (const [k, v] of Object.entries(init as Record<string, V | readonly V[]>)) {
        if (Array.isArray(v)) for (const item of v as readonly V[]) this.add(k, item);
        else this.add(k, v as V);
      }
    }
    return this;
  }

  /** Replaces each key of `init` with its values there (aiohttp's `update`). */
  update(init: MultiDictInit<V>): this {
    const incoming = new MultiDict<V>(init);
    const seen = new Set<string>();
    for (const [k] of incoming) {
      const n = this.norm(k);
      if (seen.has(n)) continue;
      seen.add(n);
      this.delete(k);
      for (const v of incoming.#getAllNormed(n, this)) this.add(k, v);
    }
    return this;
  }

  #getAllNormed(normKey: string, by: MultiDict<V>): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.#keys.length; i++) {
      if (by.norm(this.#keys[i]!) === normKey) out.push(this.#values[i]!);
    }
    return out;
  }

  *keys(): IterableIterator<string> {
    for (let i = 0; i < this.#keys.length; i++) yield this.#keys[i]!;
  }

  *values(): IterableIterator<V> {
    for (let i = 0; i < this.#values.length; i++) yield this.#values[i]!;
  }

  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.#keys.length; i++) yield [this.#keys[i]!, this.#values[i]!];
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** Pairs as a fresh array. */
  toArray(): Array<[string, V]> {
    return [...this.entries()];
  }

  /** A plain object with the first value of each key (as `dict(md)` gives the last, but JSON users expect one value). */
  toObject(): Record<string, V> {
    const out: Record<string, V> = {};
    for (let i = 0; i < this.#keys.length; i++) {
      const k = this.#keys[i]!;
      if (!Object.hasOwn(out, k)) out[k] = this.#values[i]!;
    }
    return out;
  }

  /** A copy of the same kind. */
  copy(): this {
    const Ctor = this.constructor as new (init: MultiDictInit<V>) => this;
    return new Ctor(this);
  }

  toJSON(): Array<[string, V]> {
    return this.toArray();
  }

  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }

  /** Node's util.inspect shows the pairs. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `<${this.constructor.name}(${this.#keys.map((k, i) => `'${k}': ${JSON.stringify(this.#values[i])}`).join(', ')})>`;
  }
}

/** A MultiDict whose keys match case-insensitively (HTTP headers); each pair keeps its spelling. */
export class CIMultiDict<V = string> extends MultiDict<V> {
  protected override norm(key: string): string {
    return key.toLowerCase();
  }
}

/** Read-only view of a multidict; mutation methods throw a TypeError. */
export class MultiDictProxy<V = string> implements MultiDictLike<V> {
  readonly #md: MultiDict<V>;
  constructor(md: MultiDict<V>) {
    this.#md = md;
  }
  get size(): number {
    return this.#md.size;
  }
  get(key: string): V | undefined {
    return this.#md.get(key);
  }
  getOne(key: string): V {
    return this.#md.getOne(key);
  }
  getAll(key: string): V[] {
    return this.#md.getAll(key);
  }
  has(key: string): boolean {
    return this.#md.has(key);
  }
  keys(): IterableIterator<string> {
    return this.#md.keys();
  }
  values(): IterableIterator<V> {
    return this.#md.values();
  }
  entries(): IterableIterator<[string, V]> {
    return this.#md.entries();
  }
  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.#md.entries();
  }
  toArray(): Array<[string, V]> {
    return this.#md.toArray();
  }
  toObject(): Record<string, V> {
    return this.#md.toObject();
  }
  toJSON(): Array<[string, V]> {
    return this.#md.toArray();
  }
  /** A mutable copy. */
  copy(): MultiDict<V> {
    return this.#md.copy();
  }
}
