/** What a command is, what it gets to run, and helpers for its arguments. */
import { describeNameRule, isBucketName, isChannelName } from '@gilt/contracts';
import { UsageError } from './errors.js';
import type { HttpClient } from './http-client.js';
import type { CliIo, Env, Output } from './output.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help, e.g. NAME. */
  value?: string;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Context {
  /** Positional arguments after the command (and subcommand) name. */
  args: string[];
  values: OptionValues;
  env: Env;
  io: CliIo;
  out: Output;
  /** The API client; throws a usage error when no token is configured. */
  client(): HttpClient;
  /** The command's name for messages, e.g. `channels set`. */
  path: string;
}

export interface Command {
  name: string;
  /** Positional arguments in usage form, e.g. `BUCKET:CHANNEL VERSION`. */
  args: string;
  minArgs: number;
  maxArgs: number;
  summary: string;
  options: OptionSpecs;
  /** More help text, shown by `gilt <cmd> --help`. */
  details?: string;
  run(ctx: Context): Promise<number>;
}

export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
}

export const isGroup = (c: Command | CommandGroup): c is CommandGroup => 'commands' in c;

export const asOfOption: OptionSpec = { type: 'string', value: 'TIME', help: 'answer as of an RFC 3339 time or a log position' };

export function stringOpt(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requiredOpt(ctx: Context, name: string): string {
  const v = stringOpt(ctx.values, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`, ctx.path);
  return v;
}

export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

export function listOpt(values: OptionValues, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

export function checkBucket(name: string, path: string): string {
  if (!isBucketName(name)) throw new UsageError(`bucket ${JSON.stringify(name)} is not a valid name: ${describeNameRule('bucket')}`, path);
  return name;
}

export function checkChannel(name: string, path: string): string {
  if (!isChannelName(name)) throw new UsageError(`channel ${JSON.stringify(name)} is not a valid name: ${describeNameRule('channel')}`, path);
  return name;
}

/** `BUCKET:REST` (REST a channel or a version reference). */
export function splitRef(ref: string, what: string, path: string): [string, string] {
  const i = ref.indexOf(':');
  if (i <= 0 || i === ref.length - 1) throw new UsageError(`expected ${what}, got ${JSON.stringify(ref)}`, path);
  return [checkBucket(ref.slice(0, i), path), ref.slice(i + 1)];
}

export function channelRef(ref: string, path: string): { bucket: string; channel: string } {
  const [bucket, channel] = splitRef(ref, 'BUCKET:CHANNEL (e.g. ubuntu-base:prod)', path);
  return { bucket, channel: checkChannel(channel, path) };
}

export function versionRef(ref: string, path: string): { bucket: string; version: string } {
  const [bucket, version] = splitRef(ref, 'BUCKET:VERSION (VERSION is an id, a fingerprint or vN, e.g. ubuntu-base:v3)', path);
  return { bucket, version };
}

/** `--label k=v` (repeatable) as an object. */
export function parseLabels(pairs: string[], path: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UsageError(`--label expects KEY=VALUE, got ${JSON.stringify(pair)}`, path);
    labels[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return labels;
}

export function positiveInt(value: string | undefined, name: string, max: number, path: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`, path);
  return n;
}

/** `reason` and similar optional body fields: only present when given. */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Follows next_page_token until the last page; returns every item under `key` and the last pagination. */
export async function fetchAll<T>(client: HttpClient, path: string, key: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await client.get<Record<string, unknown>>(path, { ...query, page_token: token });
    const got = res.body?.[key];
    if (Array.isArray(got)) items.push(...(got as T[]));
    const next = (res.body?.pagination as { next_page_token?: unknown } | undefined)?.next_page_token;
    if (typeof next !== 'string' || next === '') break;
    token = next;
  }
  return items;
}
