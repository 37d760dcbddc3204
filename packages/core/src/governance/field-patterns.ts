/** How many path decisions a {@link FieldPatterns} remembers. */
const CACHE_LIMIT = 4096;

/**
 * A compiled list of field patterns (`*`, `displayName`, `attributes.sales.*`): `prefix.*` matches the prefix path
 * itself and every path under it; any other pattern matches exactly its path. Decisions are cached per path (at
 * most 4096 paths), since projection asks the same few field names for every customer.
 */
export class FieldPatterns {
  /** True when the list contains `*`: every path matches. */
  readonly all: boolean;
  private readonly exact: ReadonlySet<string>;
  /** `prefix.` for every `prefix.*` pattern. */
  private readonly prefixes: readonly string[];
  private readonly cache = new Map<string, boolean>();

  constructor(patterns: readonly string[]) {
    const exact = new Set<string>();
    const prefixes: string[] = [];
    let all = false;
    for (const pattern of patterns) {
      if (pattern === '*') all = true;
      else if (pattern.endsWith('.*')) prefixes.push(pattern.slice(0, -1));
      else exact.add(pattern);
    }
    this.all = all;
    this.exact = exact;
    this.prefixes = prefixes;
  }

  /** True when `path` matches one of the patterns. */
  matches(path: string): boolean {
    if (this.all) return true;
    const known = this.cache.get(path);
    if (known !== undefined) return known;
    let matched = this.exact.has(path);
    if (!matched) {
      const asPrefix = `${path}.`;
      for (const prefix of this.prefixes) {
        if (path.startsWith(prefix) || asPrefix === prefix) {
          matched = true;
          break;
        }
      }
    }
    if (this.cache.size < CACHE_LIMIT) this.cache.set(path, matched);
    return matched;
  }
}
