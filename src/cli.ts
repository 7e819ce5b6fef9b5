#!/usr/bin/env node
import { main } from './main';
import { errorMessage } from './log/redact';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    // Redacted like every other line: an unexpected error may still quote a URL or a password.
    process.stderr.write(`fatal: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
