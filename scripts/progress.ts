import { holdTerminalLogs } from '../subgraphs/kernel/logger.js';

/**
 * A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise. While it
 * is drawn in place, log lines for the terminal are held and written once it is done, so none
 * lands on the bar.
 */
export function progressBar(label: string) {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  let lastDrawn = '';
  let shown = false;
  let releaseLogs: (() => void) | undefined;
  const started = Date.now();
  return {
    update: (done: number, total: number) => {
      const ratio = total > 0 ? Math.min(1, done / total) : 1;
      shown = true;
      if (tty) {
        releaseLogs ??= holdTerminalLogs();
        const width = 30;
        const filled = Math.round(ratio * width);
        const line = `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total}`;
        if (line !== lastDrawn) process.stderr.write(line);
        lastDrawn = line;
      } else {
        const decile = Math.floor(ratio * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          process.stderr.write(`${label}: ${decile * 10}% (${done}/${total})\n`);
        }
      }
    },
    done: () => {
      if (shown && tty) process.stderr.write(`\n`);
      if (shown)
        process.stderr.write(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      releaseLogs?.();
      releaseLogs = undefined;
    },
  };
}
