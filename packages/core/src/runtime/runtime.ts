/**
 * The Web-standard globals core uses, typed locally so the package needs neither the DOM nor the Node type
 * library. Every target runtime (Node >= 20, Bun, Deno, browsers, edge workers) provides them.
 *
 * @module
 */
interface RuntimeGlobals {
  btoa(data: string): string;
  atob(data: string): string;
  structuredClone<T>(value: T): T;
  console?: {
    error?(...data: unknown[]): void;
    warn?(...data: unknown[]): void;
    info?(...data: unknown[]): void;
    debug?(...data: unknown[]): void;
  };
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Random ids that must differ between processes (lease holders, workflow workers). */
  crypto: { randomUUID(): string };
  /** UTF-8 encoding of strings before hashing. */
  TextEncoder: new () => { encode(input?: string): Uint8Array };
}

/** The runtime's globals. */
export const runtime = globalThis as unknown as RuntimeGlobals;
