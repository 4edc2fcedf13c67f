/** Where the CLI writes, and small formatting helpers. Data goes to stdout, progress and errors to stderr. */

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Directory relative paths are resolved against (default: process.cwd()). */
  cwd?: string;
  /** First retry delay in ms, doubled for each further retry (default 500). */
  retryDelayMs?: number;
  /** Per-attempt HTTP timeout in ms (default 30000). */
  timeoutMs?: number;
}

export type Env = Record<string, string | undefined>;

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** A line of data on stdout. */
  line(text = ''): void {
    this.io.stdout(`${text}\n`);
  }

  /** Raw JSON on stdout (--json). */
  printJson(value: unknown): void {
    this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Progress, notes and warnings: stderr, so stdout stays parseable. */
  note(text: string): void {
    this.io.stderr(`${text}\n`);
  }

  /** An error line: `gilt: <message>`. */
  error(text: string): void {
    this.io.stderr(`gilt: ${text}\n`);
  }

  table(headers: string[], rows: string[][]): void {
    this.io.stdout(formatTable(headers, rows));
  }
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows].map((r) => r.map((c) => oneLine(c)));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join('');
}

/** Control characters (a newline in a reason) must not break a table row. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\u21b5' : c === '\t' ? ' ' : '?'));
}

/** `2026-11-25T14:02:11.123Z` → `2026-11-25 14:02:11Z`; anything else as is. */
export function formatTime(iso: unknown): string {
  if (typeof iso !== 'string' || iso === '') return '-';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  return m ? `${m[1]} ${m[2]}${m[3]}` : iso;
}

export function formatLabels(labels: unknown): string {
  if (typeof labels !== 'object' || labels === null) return '-';
  const entries = Object.entries(labels as Record<string, unknown>);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${String(v)}`).join(',');
}

export const text = (v: unknown, dash = '-'): string => (v === null || v === undefined || v === '' ? dash : String(v));

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Aligned `key: value` lines. */
export function formatFields(fields: [string, string][]): string {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)} ${oneLine(v)}\n`).join('');
}
