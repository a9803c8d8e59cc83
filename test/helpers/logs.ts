import fs from 'node:fs';

/**
 * The complete JSON lines of a log file once `until` holds of them (or after five seconds):
 * lines are written asynchronously, so a request's line may land a moment after its response.
 */
export async function logLines(file: string, until: (lines: any[]) => boolean): Promise<any[]> {
  let lines: any[] = [];
  for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
    const text = fs.readFileSync(file, 'utf8');
    lines = text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    if (until(lines)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return lines;
}
