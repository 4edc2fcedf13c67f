/**
 * Parser for the file Packer's `manifest` post-processor writes (packer-manifest.json).
 *
 * Pure: bytes in, PublishedBuild[] out, or a DomainError(VALIDATION_FAILED) whose
 * details.field names the offending field. The whole file is validated before anything is
 * selected, so a bad build anywhere rejects the file and nothing is ever half-published.
 */
import {
  DomainError,
  ErrorCodes,
  describeNameRule,
  isBucketName,
  isBuildName,
  isBuilderType,
  isChannelName,
} from '@gilt/contracts';
import type { Artifact, PublishedBuild } from '@gilt/contracts';

export interface ParseOptions {
  /** Only builds of this packer run; default: manifest.last_run_uuid. Ignored when allRuns. */
  runUuid?: string;
  allRuns?: boolean;
  /** shell-local mode: PACKER_BUILD_NAME (+ PACKER_BUILDER_TYPE when given) selects one build of the run. */
  buildName?: string;
  builderType?: string;
  /** --parent EXTERNAL_ID applied as source_external_id to every build (overrides custom_data). */
  parent?: string;
  /**
   * --parent BUCKET:CHANNEL, recorded on every build. It overrides custom_data too: the source
   * image id would otherwise add a second parent, the version that id belongs to.
   */
  parentChannel?: { bucket: string; channel: string };
}

export interface ParsedManifest {
  lastRunUuid: string;
  builds: PublishedBuild[];
}

/** custom_data becomes labels and travels in every event of the build: keep it small. */
const MAX_CUSTOM_DATA_KEYS = 64;
const MAX_CUSTOM_DATA_KEY_LENGTH = 128;
const MAX_CUSTOM_DATA_VALUE_LENGTH = 4096;

type JsonObject = Record<string, unknown>;

function fail(field: string, problem: string, extra: Record<string, unknown> = {}): never {
  throw new DomainError(ErrorCodes.validation, `${field}: ${problem}`, { field, ...extra });
}

const isObject = (x: unknown): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x);

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

/** A value quoted for an error message: escaped (control characters stay visible) and cut short. */
function quote(s: string): string {
  const shown = JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
  // JSON.stringify leaves non-ASCII as is; a homoglyph must be visible as what it is.
  return shown.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `builds[1].custom_data.notes`, or `builds[1].custom_data["a b"]` (quoted, cut short) when the key is not a plain word. */
function keyPath(parent: string, key: string): string {
  const plain = key.length <= MAX_CUSTOM_DATA_KEY_LENGTH && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key);
  return plain ? `${parent}.${key}` : `${parent}[${quote(key)}]`;
}

/**
 * Fatal UTF-8 decode and strict JSON.parse of the whole text. A replacing decoder would turn a
 * Latin-1 byte into U+FFFD and accept the file; JSON.parse (unlike a streaming parser) rejects
 * anything after the first value, e.g. two manifests written into one file.
 */
export function decodeManifestBytes(bytes: Uint8Array): unknown {
  if (bytes.length === 0) fail('manifest', 'the file is empty');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail('manifest', 'the file is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    fail('manifest', `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The platform resolve queries by (`?platform=aws`). docker, null, file and unknown builders keep their own name. */
export function platformOf(builderType: string): string {
  if (builderType.startsWith('amazon-')) return 'aws';
  if (builderType.startsWith('azure-')) return 'azure';
  if (builderType.startsWith('vsphere-')) return 'vsphere';
  if (builderType === 'googlecompute') return 'gce';
  return builderType;
}

const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-[0-9]+$/;
const AWS_RESOURCE_ID = /^[a-z]+-[0-9a-f]+$/;

function artifactsOf(builderType: string, artifactId: string, field: string): Artifact[] {
  // Amazon builders report every copy of the image as `region:ami-id`, joined by ",".
  if (!builderType.startsWith('amazon-')) return [{ external_id: artifactId, region: '' }];
  return artifactId.split(',').map((pair) => {
    const [region, id, ...rest] = pair.split(':');
    if (rest.length > 0 || id === undefined || !AWS_REGION.test(region) || !AWS_RESOURCE_ID.test(id)) {
      fail(field, `${quote(pair)} is not a region:id pair (expected e.g. "us-east-1:ami-0123456789abcdef0", pairs joined by ",")`);
    }
    return { external_id: id, region };
  });
}

/** The artifacts a builder's artifact id stands for: one per region for amazon builders, else the id itself. */
export function artifactsFromArtifactId(builderType: string, artifactId: string): Artifact[] {
  return artifactsOf(builderType, artifactId, 'artifact_id');
}

function requireString(value: unknown, field: string): string {
  if (value === undefined) fail(field, 'missing');
  if (typeof value !== 'string') fail(field, `must be a string, got ${typeName(value)}`);
  if (value === '') fail(field, 'must not be empty');
  return value;
}

function validateCustomData(value: unknown, at: string): Record<string, string> {
  const field = `${at}.custom_data`;
  // Packer always writes the key (null when no custom_data is configured); absent is treated alike.
  if (value === null || value === undefined) return {};
  if (!isObject(value)) fail(field, `must be null or an object of strings, got ${typeName(value)}`);
  const entries = Object.entries(value);
  if (entries.length > MAX_CUSTOM_DATA_KEYS) fail(field, `has ${entries.length} keys; at most ${MAX_CUSTOM_DATA_KEYS} are allowed`);
  // Name every non-string value at once: fixing them one error at a time is tedious.
  const nonStrings = entries.filter(([, v]) => typeof v !== 'string').map(([k, v]) => ({ field: keyPath(field, k), type: typeName(v) }));
  if (nonStrings.length > 0) {
    const list = nonStrings.map((n) => `${n.field} is ${n.type}`).join(', ');
    fail(nonStrings[0].field, `custom_data values must be strings (Packer writes map[string]string): ${list}`, {
      fields: nonStrings.map((n) => n.field),
    });
  }
  for (const [k, v] of entries as [string, string][]) {
    if (k.length === 0 || k.length > MAX_CUSTOM_DATA_KEY_LENGTH) {
      fail(keyPath(field, k), `key must be 1–${MAX_CUSTOM_DATA_KEY_LENGTH} characters long, is ${k.length}`);
    }
    if (v.length > MAX_CUSTOM_DATA_VALUE_LENGTH) {
      fail(keyPath(field, k), `value is ${v.length} characters long; at most ${MAX_CUSTOM_DATA_VALUE_LENGTH} are allowed`);
    }
  }
  return Object.fromEntries(entries as [string, string][]);
}

/** The `labels` convention: a JSON-encoded object of strings, or else just a label named "labels". */
function decodeLabelsValue(s: string): [string, string][] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return null;
  }
  if (!isObject(parsed)) return null;
  const entries = Object.entries(parsed);
  return entries.every(([, v]) => typeof v === 'string') ? (entries as [string, string][]) : null;
}

function labelsOf(customData: Record<string, string>): Record<string, string> {
  const labels = new Map<string, string>();
  const decoded = customData.labels === undefined ? null : decodeLabelsValue(customData.labels);
  for (const [k, v] of decoded ?? []) labels.set(k, v);
  // Plain custom_data keys win over entries of the `labels` blob: they are the more specific statement.
  for (const [k, v] of Object.entries(customData)) {
    if (k === 'source_image_id' || (k === 'labels' && decoded !== null)) continue;
    labels.set(k, v);
  }
  // fromEntries defines own properties, so a key like "__proto__" stays a label instead of hitting the setter.
  return Object.fromEntries(labels);
}

interface ValidBuild {
  name: string;
  builder_type: string;
  packer_run_uuid: string;
  artifacts: Artifact[];
  customData: Record<string, string>;
  build_time: number | null;
}

function validateBuild(raw: unknown, at: string): ValidBuild {
  if (!isObject(raw)) fail(at, `must be an object, got ${typeName(raw)}`);
  const name = requireString(raw.name, `${at}.name`);
  if (!isBuildName(name)) fail(`${at}.name`, `${quote(name)} is not a valid build name (${describeNameRule('build')})`);
  const builderType = requireString(raw.builder_type, `${at}.builder_type`);
  if (!isBuilderType(builderType)) {
    fail(`${at}.builder_type`, `${quote(builderType)} is not a valid builder type (${describeNameRule('builder_type')})`);
  }
  const artifactId = requireString(raw.artifact_id, `${at}.artifact_id`);
  const runUuid = requireString(raw.packer_run_uuid, `${at}.packer_run_uuid`);
  // Packer omits build_time when it is zero (omitempty).
  let buildTime: number | null = null;
  if (raw.build_time !== undefined) {
    if (typeof raw.build_time !== 'number' || !Number.isFinite(raw.build_time)) {
      fail(`${at}.build_time`, `must be a number of Unix seconds, got ${typeName(raw.build_time)}`);
    }
    buildTime = raw.build_time;
  }
  if (raw.files !== undefined && raw.files !== null && !Array.isArray(raw.files)) {
    fail(`${at}.files`, `must be null or an array, got ${typeName(raw.files)}`);
  }
  return {
    name,
    builder_type: builderType,
    packer_run_uuid: runUuid,
    artifacts: artifactsOf(builderType, artifactId, `${at}.artifact_id`),
    customData: validateCustomData(raw.custom_data, at),
    build_time: buildTime,
  };
}

function validateOptions(opts: ParseOptions): void {
  if (opts.parent !== undefined && opts.parent === '') fail('parent', 'must not be empty');
  const pc = opts.parentChannel;
  if (pc !== undefined) {
    if (!isBucketName(pc.bucket)) fail('parent', `${quote(pc.bucket)} is not a valid bucket name (${describeNameRule('bucket')})`);
    if (!isChannelName(pc.channel)) fail('parent', `${quote(pc.channel)} is not a valid channel name (${describeNameRule('channel')})`);
  }
}

/** Identity of a build across runs (HCL2 allows one name for sources of different types). */
const nameKey = (b: ValidBuild): string => JSON.stringify([b.name, b.builder_type]);
/** Identity of a build within the file. */
const runKey = (b: ValidBuild): string => JSON.stringify([b.packer_run_uuid, b.name, b.builder_type]);

function selectBuilds(all: ValidBuild[], lastRunUuid: string, opts: ParseOptions): ValidBuild[] {
  let selected: ValidBuild[];
  if (opts.allRuns) {
    // Packer appends to the manifest, so a later entry of the same build is the newer rebuild.
    const newest = new Map<string, ValidBuild>();
    for (const b of all) newest.set(nameKey(b), b);
    const kept = new Set(newest.values());
    selected = all.filter((b) => kept.has(b));
  } else {
    const run = opts.runUuid ?? lastRunUuid;
    selected = all.filter((b) => b.packer_run_uuid === run);
    if (selected.length === 0) {
      fail(opts.runUuid === undefined ? 'last_run_uuid' : 'packer_run_uuid', `no build in the manifest belongs to packer run ${quote(run)}`);
    }
  }
  if (opts.buildName === undefined) return selected;

  const { buildName, builderType } = opts;
  const matching = selected.filter((b) => b.name === buildName && (builderType === undefined || b.builder_type === builderType));
  if (matching.length === 0) {
    const what = builderType === undefined ? quote(buildName) : `${quote(buildName)} with builder type ${quote(builderType)}`;
    fail('PACKER_BUILD_NAME', `no build ${what} in the selected packer run (builds: ${selected.map((b) => `${b.name} (${b.builder_type})`).join(', ')})`);
  }
  if (matching.length > 1) {
    // HCL2 lets sources of different types share a name; shell-local sees the same PACKER_BUILD_NAME for both.
    fail('PACKER_BUILDER_TYPE', `${matching.length} builds are named ${quote(buildName)} (builder types ${matching.map((b) => b.builder_type).join(', ')}); pass PACKER_BUILDER_TYPE to pick one`);
  }
  return matching;
}

/** Validates a decoded manifest as a whole and returns the builds selected by `opts`, ready to publish. */
export function parseManifest(doc: unknown, opts: ParseOptions = {}): ParsedManifest {
  validateOptions(opts);
  if (!isObject(doc)) fail('manifest', `must be an object with "builds" and "last_run_uuid", got ${typeName(doc)}`);
  const rawBuilds = doc.builds;
  if (rawBuilds === undefined) fail('builds', 'missing');
  if (!Array.isArray(rawBuilds)) fail('builds', `must be an array of builds, got ${typeName(rawBuilds)}`);
  if (rawBuilds.length === 0) fail('builds', 'is empty: the manifest holds no build to publish');
  const lastRunUuid = requireString(doc.last_run_uuid, 'last_run_uuid');

  const firstIndexByKey = new Map<string, number>();
  const all = rawBuilds.map((raw, i) => {
    const build = validateBuild(raw, `builds[${i}]`);
    // Name alone repeats legitimately (across runs; across builder types in one HCL2 run): key on all three.
    const key = runKey(build);
    const first = firstIndexByKey.get(key);
    if (first !== undefined) {
      fail(`builds[${i}]`, `duplicate of builds[${first}]: same packer_run_uuid ${quote(build.packer_run_uuid)}, name ${quote(build.name)} and builder_type ${quote(build.builder_type)}`, {
        duplicate_of: `builds[${first}]`,
      });
    }
    firstIndexByKey.set(key, i);
    return build;
  });

  const builds = selectBuilds(all, lastRunUuid, opts).map((b): PublishedBuild => {
    // An unset template variable yields "": that names no image, so it is no lineage either.
    const sourceImageId = b.customData.source_image_id || null;
    return {
      name: b.name,
      builder_type: b.builder_type,
      status: 'DONE',
      platform: platformOf(b.builder_type),
      packer_run_uuid: b.packer_run_uuid,
      artifacts: b.artifacts,
      labels: labelsOf(b.customData),
      source_external_id: opts.parent ?? (opts.parentChannel ? null : sourceImageId),
      parent_channel: opts.parentChannel ?? null,
      parent_version_id: null,
      build_time: b.build_time,
    };
  });
  return { lastRunUuid, builds };
}
