import { buildConsole } from './console-build.js';

// `npm run build:console [-- --if-stale]`: the explorer and console into gateway/console/dist.
// `npm ci` runs it (the `prepare` script) and `npm start` whenever the sources changed.
const ifStale = process.argv.includes('--if-stale');
const started = performance.now();
const built = await buildConsole({ ifStale });
console.log(
  built
    ? `explorer and console built into gateway/console/dist in ${((performance.now() - started) / 1000).toFixed(1)} s`
    : 'explorer and console: the build in gateway/console/dist is current',
);
