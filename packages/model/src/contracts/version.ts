import { UnsupportedSpecificationError } from '../errors';

/** The contract version this release of crmkit speaks. */
export const SPECIFICATION_VERSION = 'v1' as const;
/** The contract version type. */
export type SpecificationVersion = typeof SPECIFICATION_VERSION;

/**
 * Checks that a store, adapter, channel or plugin implements a supported contract version, and throws an
 * {@link UnsupportedSpecificationError} naming it otherwise.
 */
export function assertSpecificationVersion(
  contract: 'store' | 'adapter' | 'channel' | 'plugin',
  implementation: { specificationVersion?: unknown; name?: unknown; id?: unknown },
  supported: readonly string[] = [SPECIFICATION_VERSION],
): void {
  const version = implementation.specificationVersion;
  if (typeof version !== 'string' || !supported.includes(version)) {
    throw new UnsupportedSpecificationError({
      contract,
      name: String(implementation.name ?? implementation.id ?? 'unnamed'),
      version,
      supported,
    });
  }
}
