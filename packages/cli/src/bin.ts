#!/usr/bin/env node
// The `crmkit-cli` executable. (`npx crmkit` runs the same `main` from the `crmkit` package's bin.)
import { main } from './index';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
