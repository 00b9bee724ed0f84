#!/usr/bin/env node
// The lgsp command: the compiled CLI (npm install builds dist/ in `prepare`).
// Imports stream files of any size; a bounded V8 heap keeps the process's memory flat instead of
// letting the garbage collector grow it lazily, so `lgsp dataset …` runs in a child with limits.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/lgsp.js', import.meta.url));
if (process.argv[2] === 'dataset' && !process.env.LGSP_CLI_BOUNDED) {
  // The IPC channel tells the child when this process is gone, even by SIGKILL: it then stops
  // too, rather than finishing an import its operator killed.
  const child = spawn(process.execPath, ['--max-old-space-size=256', '--max-semi-space-size=8', cli, ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, LGSP_CLI_BOUNDED: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await import(cli);
}
