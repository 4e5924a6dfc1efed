/**
 * Copies of the schema's records (tables, indexes, sequences... keyed by name), made cheaply.
 */

/**
 * An empty record in V8's dictionary mode (deleting a property that is not the last one puts an
 * object there). A schema's records hold hundreds of keys that every history names anew; an
 * object literal or a spread copy of one goes through a chain of hidden classes for every key
 * set first, which made each copy of a 250-table record about 9x slower than filling a
 * dictionary, and the cost grew with the history's length (a new chain for every new name).
 * Same semantics: an ordinary object, the keys in insertion order.
 */
export const dictionary = <T>(): Record<string, T> => {
  const out: Record<string, T> = { a: undefined as T, b: undefined as T };
  delete out.a;
  delete out.b;
  return out;
};

/** `out[key] = value` as a spread or a literal defines it (an own `__proto__` too). */
export const put = <T>(out: Record<string, T>, key: string, value: T): void => {
  if (key === '__proto__')
    Object.defineProperty(out, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  else out[key] = value;
};

/** `{ ...rec, [key]: value }` */
export const withEntry = <T>(
  rec: Readonly<Record<string, T>>,
  key: string,
  value: T,
): Record<string, T> => {
  const out = dictionary<T>();
  for (const k of Object.keys(rec)) put(out, k, rec[k]);
  put(out, key, value);
  return out;
};

/** `{ ...rec, [k1]: v1, [k2]: v2, ... }` */
export const withEntries = <T>(
  rec: Readonly<Record<string, T>>,
  entries: readonly (readonly [string, T])[],
): Record<string, T> => {
  const out = dictionary<T>();
  for (const k of Object.keys(rec)) put(out, k, rec[k]);
  for (const [k, v] of entries) put(out, k, v);
  return out;
};
