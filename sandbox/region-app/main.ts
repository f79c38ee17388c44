// Child-process entry of one region app: `node main.js '<RegionAppOptions JSON>'` (main.ts through tsx from sources).
// Prints one JSON line `{"ready":true}` once both listeners accept connections; SIGTERM closes them and exits.
import { type RegionAppOptions, startRegionApp } from './app.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as RegionAppOptions;
const app = await startRegionApp({ ...options, log: (line) => process.stderr.write(`[${options.region}] ${line}\n`) });
process.stdout.write(`${JSON.stringify({ ready: true, region: options.region, pid: process.pid })}\n`);

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  app.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The supervisor holds our stdin; when it dies without signalling us, stdin ends and we leave too.
process.stdin.on('end', shutdown);
process.stdin.resume();
