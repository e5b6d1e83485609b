/** Progress lines for the person running a bench: stderr, so stdout keeps only the report. */
export function say(line: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${line}\n`);
}
