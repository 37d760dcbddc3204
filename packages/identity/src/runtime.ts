/**
 * The Web-standard globals the engine uses, typed locally so the package needs neither the DOM nor the Node type
 * library. Every target runtime (Node >= 20, Bun, Deno, browsers, edge workers) provides them.
 *
 * @module
 */
interface RuntimeGlobals {
  performance: { now(): number };
  setTimeout(callback: () => void, ms: number): unknown;
}

/** The runtime's globals. */
export const runtime = globalThis as unknown as RuntimeGlobals;
