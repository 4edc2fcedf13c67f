/** `run(argv, env, io)`: parse, dispatch, report. Returns the exit status (0 ok, 1 failed, 2 usage). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { adminGroup } from './commands/admin.js';
import { ancestryCommand } from './commands/ancestry.js';
import { bucketsGroup } from './commands/buckets.js';
import { channelsGroup } from './commands/channels.js';
import { eventsGroup } from './commands/events.js';
import { historyCommand } from './commands/history.js';
import { incidentCommand } from './commands/incident.js';
import { publishCommand } from './commands/publish.js';
import { resolveCommand, searchCommand } from './commands/resolve.js';
import { restoreCommand, revokeCommand } from './commands/revoke.js';
import { tokenGroup } from './commands/token.js';
import { verifyCommand } from './commands/verify.js';
import { versionsGroup } from './commands/versions.js';
import { isGroup, type Command, type CommandGroup, type Context, type OptionSpecs, type OptionValues } from './command.js';
import { ApiError, CliError, UsageError } from './errors.js';
import { commandHelp, GLOBAL_OPTIONS, groupHelp, mainHelp } from './help.js';
import { HttpClient, newRequestId } from './http-client.js';
import { Output, processIo, type CliIo, type Env } from './output.js';

export const VERSION = '0.1.0';
export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const COMMANDS: (Command | CommandGroup)[] = [publishCommand, bucketsGroup, versionsGroup, channelsGroup, ancestryCommand, revokeCommand, restoreCommand, resolveCommand, searchCommand, historyCommand, eventsGroup, incidentCommand, verifyCommand, adminGroup, tokenGroup];

const valueOptions = (...specs: OptionSpecs[]): Set<string> =>
  new Set(specs.flatMap((s) => Object.entries(s).filter(([, o]) => o.type === 'string').map(([n]) => n)));

/** The first `want` positionals, skipping flags and the values of the given value-taking flags. */
function leadingPositionals(argv: string[], values: Set<string>, want: number): string[] {
  const found: string[] = [];
  for (let i = 0; i < argv.length && found.length < want; i++) {
    const t = argv[i]!;
    if (t === '--') {
      found.push(...argv.slice(i + 1, i + 1 + want - found.length));
      break;
    }
    if (t.startsWith('--')) {
      if (!t.includes('=') && values.has(t.slice(2))) i++;
      continue;
    }
    if (t.startsWith('-') && t.length > 1) continue;
    found.push(t);
  }
  return found;
}

function helpRequested(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((t) => t === '--help' || t === '-h');
}

function toParseArgsOptions(specs: OptionSpecs): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(specs).map(([n, o]) => [n, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]),
  );
}

/** parseArgs messages carry advice about `--` that does not help here; keep the first sentence. */
function parseArgsMessage(e: unknown): string {
  // Errors from node:util may come from another realm (jest's vm): read .message, not instanceof.
  const m = (e as { message?: unknown })?.message;
  const msg = typeof m === 'string' ? m : String(e);
  const first = msg.split(/\.\s/)[0]!.replace(/\.$/, '');
  const needsValue = /^Option '(-[^' ]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(first);
  if (needsValue) return `${needsValue[1]} needs a value`;
  return first.replace(/^Unknown option/, 'unknown flag').replace(/^Unexpected argument/, 'unexpected argument');
}

function makeClient(values: OptionValues, env: Env, io: CliIo, invocationId: string): HttpClient {
  const url = (typeof values.url === 'string' ? values.url : undefined) ?? (env.GILT_URL || DEFAULT_URL);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`${typeof values.url === 'string' ? '--url' : 'GILT_URL'} ${JSON.stringify(url)} is not a URL (e.g. http://127.0.0.1:8080)`, 2);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`${JSON.stringify(url)} is not an http:// or https:// URL`, 2);
  }
  const token = (typeof values.token === 'string' ? values.token : undefined) ?? env.GILT_TOKEN;
  if (!token) throw new CliError('no API token: set GILT_TOKEN or pass --token (an admin can make one with `gilt token create`)', 2);
  return new HttpClient({
    baseUrl: url,
    token,
    timeoutMs: io.timeoutMs,
    retryDelayMs: io.retryDelayMs,
    correlationId: invocationId,
    log: (line) => io.stderr(`${line}\n`),
  });
}

function report(e: unknown, io: CliIo): number {
  if (e instanceof UsageError) {
    io.stderr(`gilt: ${e.message}\n`);
    io.stderr(`Run 'gilt ${e.command ? `${e.command} ` : ''}--help' for usage.\n`);
    return 2;
  }
  if (e instanceof CliError) {
    io.stderr(`gilt: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof ApiError) {
    io.stderr(`gilt: ${e.message}\n`);
    return 1;
  }
  io.stderr(`gilt: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}

/** Runs one `gilt` invocation in-process. */
export async function run(argv: string[], env: Env = process.env, io: CliIo = processIo): Promise<number> {
  try {
    return await dispatch(argv, env, io);
  } catch (e) {
    return report(e, io);
  }
}

async function dispatch(argv: string[], env: Env, io: CliIo): Promise<number> {
  const wantsHelp = helpRequested(argv);
  if (argv.length === 1 && argv[0] === '--version') {
    io.stdout(`gilt ${VERSION}\n`);
    return 0;
  }
  const [first] = leadingPositionals(argv, valueOptions(GLOBAL_OPTIONS), 1);
  if (first === undefined) {
    if (wantsHelp) {
      io.stdout(mainHelp(COMMANDS));
      return 0;
    }
    io.stderr(mainHelp(COMMANDS));
    throw new UsageError('no command given');
  }
  if (first === 'help') return help(argv, io);
  const top = COMMANDS.find((c) => c.name === first);
  if (!top) throw new UsageError(`unknown command ${JSON.stringify(first)}`);

  let command: Command;
  let path: string;
  let skip: number;
  if (isGroup(top)) {
    const [, sub] = leadingPositionals(argv, valueOptions(GLOBAL_OPTIONS, ...top.commands.map((c) => c.options)), 2);
    if (sub === undefined) {
      if (wantsHelp) {
        io.stdout(groupHelp(top));
        return 0;
      }
      io.stderr(groupHelp(top));
      throw new UsageError(`${top.name}: which command? (${top.commands.map((c) => c.name).join(', ')})`, top.name);
    }
    const found = top.commands.find((c) => c.name === sub);
    if (!found) throw new UsageError(`unknown ${top.name} command ${JSON.stringify(sub)} (one of ${top.commands.map((c) => c.name).join(', ')})`, top.name);
    command = found;
    path = `${top.name} ${found.name}`;
    skip = 2;
  } else {
    command = top;
    path = top.name;
    skip = 1;
  }
  if (wantsHelp) {
    io.stdout(commandHelp(command, path));
    return 0;
  }

  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: toParseArgsOptions({ ...GLOBAL_OPTIONS, ...command.options }), strict: true, allowPositionals: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError(parseArgsMessage(e), path);
  }
  const args = parsed.positionals.slice(skip);
  if (args.length < command.minArgs) {
    const names = command.args.split(' ').filter((a) => a !== '');
    throw new UsageError(`missing ${names.slice(args.length, command.minArgs).join(' ')}`, path);
  }
  if (args.length > command.maxArgs) throw new UsageError(`unexpected argument ${JSON.stringify(args[command.maxArgs])}`, path);

  const values = parsed.values;
  const out = new Output(io, values.json === true);
  const invocationId = newRequestId();
  let client: HttpClient | undefined;
  const ctx: Context = {
    args,
    values,
    env,
    io,
    out,
    path,
    client: () => (client ??= makeClient(values, env, io, invocationId)),
  };
  return command.run(ctx);
}

/** `gilt help [command [subcommand]]`. */
function help(argv: string[], io: CliIo): number {
  const [, name, sub] = leadingPositionals(argv, new Set(), 3);
  const top = COMMANDS.find((c) => c.name === name);
  if (name === undefined) io.stdout(mainHelp(COMMANDS));
  else if (!top) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  else if (!isGroup(top)) io.stdout(commandHelp(top, top.name));
  else {
    const c = sub === undefined ? undefined : top.commands.find((x) => x.name === sub);
    if (sub !== undefined && !c) throw new UsageError(`unknown ${top.name} command ${JSON.stringify(sub)}`, top.name);
    io.stdout(c ? commandHelp(c, `${top.name} ${c.name}`) : groupHelp(top));
  }
  return 0;
}
