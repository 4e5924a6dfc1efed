/**
 * Text rendering shared by commands: aligned tables and a progress bar that only draws on a
 * terminal (never into a pipe or a CI log).
 */
export const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]): string => {
  const cells = [head, ...rows].map((r) => r.map(String));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
};

export const progress = (stream: NodeJS.WriteStream = process.stderr) => {
  const tty = !!stream.isTTY;
  let last = '';
  return {
    update(label: string, done: number, total: number) {
      if (!tty || total === 0) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const text = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
      if (text !== last) stream.write(`\r${text}`);
      last = text;
    },
    done() {
      if (tty && last) stream.write('\r\x1b[K');
      last = '';
    },
  };
};

export const percent = (part: number, whole: number): string => (whole ? `${((part / whole) * 100).toFixed(1)}%` : '0.0%');
