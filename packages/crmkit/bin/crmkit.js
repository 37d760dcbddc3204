#!/usr/bin/env node
// `npx crmkit ...`: the crmkit command line, implemented by @crmkit/cli.
import { main } from '@crmkit/cli';

process.exitCode = await main(process.argv.slice(2));
