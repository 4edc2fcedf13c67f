/** Entry point of the `gilt` binary (bin/gilt.js imports this). */
import { run } from './cli.js';
import { processIo } from './output.js';

// `gilt … | head` closes stdout early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

process.exitCode = await run(process.argv.slice(2), process.env, processIo);
