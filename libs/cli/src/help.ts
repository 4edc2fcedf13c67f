/** Usage texts. */
import { isGroup, type Command, type CommandGroup, type OptionSpec, type OptionSpecs } from './command.js';

export const GLOBAL_OPTIONS: OptionSpecs = {
  url: { type: 'string', value: 'URL', help: 'Gilt server (default: GILT_URL, else http://127.0.0.1:8080)' },
  token: { type: 'string', value: 'TOKEN', help: 'API bearer token (default: GILT_TOKEN)' },
  json: { type: 'boolean', help: 'print the raw JSON answer on stdout' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
};

function optionLabel(name: string, o: OptionSpec): string {
  const long = `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  return o.short ? `-${o.short}, ${long}` : long;
}

function optionLines(options: OptionSpecs): string {
  const entries = Object.entries(options);
  if (entries.length === 0) return '';
  const labels = entries.map(([n, o]) => optionLabel(n, o));
  const width = Math.max(...labels.map((l) => l.length));
  return entries.map(([, o], i) => `  ${labels[i]!.padEnd(width)}  ${o.help}${o.multiple ? ' (repeatable)' : ''}\n`).join('');
}

function commandLines(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, s]) => `  ${l.padEnd(width)}  ${s}\n`).join('');
}

const synopsis = (path: string, c: Command): string => `${path}${c.args ? ` ${c.args}` : ''}`;

export function mainHelp(commands: (Command | CommandGroup)[]): string {
  const rows: [string, string][] = [];
  for (const c of commands) {
    if (isGroup(c)) for (const s of c.commands) rows.push([synopsis(`${c.name} ${s.name}`, s), s.summary]);
    else rows.push([synopsis(c.name, c), c.summary]);
  }
  return [
    'gilt: publish golden images to a Gilt registry and ask it which image to use\n',
    '\n',
    'Usage: gilt <command> [arguments] [flags]\n',
    '\n',
    'Commands:\n',
    commandLines(rows),
    '\n',
    'Global flags:\n',
    optionLines(GLOBAL_OPTIONS),
    '\n',
    'Environment: GILT_URL, GILT_TOKEN (server and token; flags override), GILT_TOKENS_FILE (token create),\n',
    'PACKER_BUILD_NAME, PACKER_BUILDER_TYPE, PACKER_RUN_UUID (publish, from a shell-local post-processor).\n',
    "Run 'gilt <command> --help' for a command's flags. Exit status: 0 ok, 1 failed, 2 usage error.\n",
  ].join('');
}

export function groupHelp(group: CommandGroup): string {
  return [
    `Usage: gilt ${group.name} <command> [arguments] [flags]\n`,
    '\n',
    `${group.summary}\n`,
    '\n',
    'Commands:\n',
    commandLines(group.commands.map((s) => [synopsis(`${group.name} ${s.name}`, s), s.summary])),
    '\n',
    `Run 'gilt ${group.name} <command> --help' for a command's flags.\n`,
  ].join('');
}

export function commandHelp(command: Command, path: string): string {
  const own = optionLines(command.options);
  return [
    `Usage: gilt ${synopsis(path, command)} [flags]\n`,
    '\n',
    `${command.summary}\n`,
    own ? `\nFlags:\n${own}` : '',
    '\nGlobal flags:\n',
    optionLines(GLOBAL_OPTIONS),
    command.details ? `\n${command.details}\n` : '',
  ].join('');
}
