#!/usr/bin/env node
import { main } from './main';
import { Redactor } from './log/redact';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    // main logs what it can with the configured secrets; this last resort (a bug) still scrubs
    // credentials in URLs.
    process.stderr.write(`fatal: ${new Redactor().errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
