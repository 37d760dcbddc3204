/**
 * `@crmkit/cli`: the `crmkit` command line. `crmkit resolve` reads customer CSV files, maps their columns to the
 * identity fields of `@crmkit/identity`, and writes which records are the same customer. Use {@link main} to run
 * the command line in process, or {@link runResolve} for the same work as a function. The `crmkit` package
 * provides the `crmkit` executable (`npx crmkit resolve ...`).
 *
 * @packageDocumentation
 */
export { ExitCode, type MainIo, main } from './cli';
export { type ColumnMap, parseColumnMap } from './column-map';
export { type RunImportOptions, type RunImportResult, runImport } from './import';
export {
  type ClusterRow,
  type RunProgress,
  type RunResolveOptions,
  type RunResolveResult,
  runResolve,
} from './resolve';
