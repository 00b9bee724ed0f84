#!/usr/bin/env node
// The lgsp command: the compiled CLI (npm install builds dist/ in `prepare`).
import '../dist/cli/lgsp.js';
