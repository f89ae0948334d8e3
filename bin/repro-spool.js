#!/usr/bin/env node
// Runs the compiled CLI (npm run build); cron and Jenkins call this, so it must start fast.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
