#!/usr/bin/env node
// Rewrites README.md's generated blocks (metrics, environment, flags) from the compiled code.
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { regenerate } = require('../dist/reference/reference.js');

const readme = path.join(__dirname, '..', 'README.md');
const before = readFileSync(readme, 'utf8');
const after = regenerate(before);
if (after !== before) writeFileSync(readme, after);
console.log(after === before ? 'README.md is up to date' : 'README.md updated');
