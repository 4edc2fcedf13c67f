/**
 * `gilt token create`: offline. Adds a bearer token to the gateway's tokens file
 * (`{"tokens": [{name, role, sha256}]}`, watched by the gateway) and prints the token once;
 * only its SHA-256 is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { requiredOpt, stringOpt, type Command, type CommandGroup } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { newRequestId } from '../http-client.js';

export const ROLES = ['viewer', 'contributor', 'admin'] as const;
export const DEFAULT_TOKENS_FILE = '.gilt/tokens.json';
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

export interface TokenEntry {
  name: string;
  role: (typeof ROLES)[number];
  sha256: string;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

interface TokensDoc {
  tokens: unknown[];
  [key: string]: unknown;
}

async function readTokensFile(path: string, shown: string): Promise<TokensDoc | null> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`${shown}: cannot read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    throw new CliError(`${shown}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Array.isArray((doc as TokensDoc).tokens)) {
    throw new CliError(`${shown}: not a tokens file: expected {"tokens": [...]}`);
  }
  return doc as TokensDoc;
}

/** Writes beside the target and renames, so the gateway's watcher never reads half a file. */
async function writeTokensFile(path: string, doc: TokensDoc): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${newRequestId(8)}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new CliError(`${path}: cannot write: ${(e as Error).message}`);
  }
}

const create: Command = {
  name: 'create',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  summary: 'add a token to the tokens file and print it (once)',
  options: {
    role: { type: 'string', value: 'ROLE', help: 'viewer, contributor or admin (required)' },
    name: { type: 'string', value: 'NAME', help: 'who or what uses it, e.g. ci-packer (required, unique)' },
    file: { type: 'string', value: 'PATH', help: `tokens file (default: GILT_TOKENS_FILE, else ${DEFAULT_TOKENS_FILE})` },
  },
  details: 'Offline: needs no server. The gateway watches the file and accepts the token within a second or two.',
  async run(ctx) {
    const role = requiredOpt(ctx, 'role');
    if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`, ctx.path);
    const name = requiredOpt(ctx, 'name');
    if (!TOKEN_NAME.test(name)) throw new UsageError(`--name must be 1–64 characters from [A-Za-z0-9_.@-], starting with a letter or digit`, ctx.path);
    const shown = stringOpt(ctx.values, 'file') || ctx.env.GILT_TOKENS_FILE || DEFAULT_TOKENS_FILE;
    const path = resolve(ctx.io.cwd ?? process.cwd(), shown);

    const existing = await readTokensFile(path, shown);
    const doc: TokensDoc = existing ?? { tokens: [] };
    if (doc.tokens.some((t) => typeof t === 'object' && t !== null && (t as TokenEntry).name === name)) {
      throw new CliError(`${shown}: a token named ${JSON.stringify(name)} already exists; pick another --name`);
    }
    const token = randomBytes(32).toString('base64url');
    const entry: TokenEntry = { name, role: role as TokenEntry['role'], sha256: hashToken(token) };
    doc.tokens.push(entry);
    await writeTokensFile(path, doc);

    if (ctx.out.json) ctx.out.printJson({ name, role, token, file: path });
    else ctx.out.line(token);
    ctx.out.note(`${existing ? 'added' : 'created'} token ${JSON.stringify(name)} (${role}) in ${shown}; it is shown only this once`);
    return 0;
  },
};

export const tokenGroup: CommandGroup = { name: 'token', summary: 'manage API tokens (offline, in the tokens file)', commands: [create] };
