/**
 * Reading one header from a Fetch `Headers` object or a plain record (Node's `IncomingHttpHeaders` fits), for the
 * webhook verifier and the rate budget. Not exported from the package.
 *
 * @module
 */

/** Headers as the adapter kit takes them: a Fetch `Headers` object, or a plain record. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The value of header `name` (matched case-insensitively in a record; the first of a repeated header), or
 * `undefined` when it is absent.
 */
export function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null }).get(name);
    return value === null ? undefined : value;
  }
  const wanted = name.toLowerCase();
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== wanted) continue;
    const value = record[key];
    if (value === undefined) continue;
    return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}
