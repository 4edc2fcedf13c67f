import { describe, it, expect } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomainError, ErrorCodes } from '@gilt/contracts';
import type { PublishedBuild } from '@gilt/contracts';
import { artifactsFromArtifactId, decodeManifestBytes, parseManifest, platformOf } from './manifest-parser.js';
import type { ParseOptions, ParsedManifest } from './manifest-parser.js';

// This file sits in /work/main/libs/domain/src/packer/; the shared fixtures are in /work/shared/fixtures.
const FIXTURES = fileURLToPath(new URL('../../../../../shared/fixtures/', import.meta.url));
const fixture = (...parts: string[]): string => join(FIXTURES, ...parts);

const parseFile = (path: string, opts?: ParseOptions): ParsedManifest => parseManifest(decodeManifestBytes(readFileSync(path)), opts);

/** Runs `fn` and returns the DomainError it must throw. */
function rejection(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    const err = e as DomainError;
    expect(err.code).toBe(ErrorCodes.validation);
    expect(err.message.length).toBeGreaterThan(0);
    return err;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

/** Rows of a fixture TSV as objects keyed by the header line. */
function readTsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  const keys = header.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(keys.map((k, i) => [k, cells[i] ?? '']));
  });
}

/** A valid one-build manifest to vary in the unit cases below. */
function manifest(...builds: Record<string, unknown>[]): Record<string, unknown> {
  return { builds, last_run_uuid: 'run-1' };
}
function build(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'amazon-ebs.ubuntu',
    builder_type: 'amazon-ebs',
    build_time: 1795601012,
    files: null,
    artifact_id: 'us-east-1:ami-0123456789abcdef0',
    packer_run_uuid: 'run-1',
    custom_data: null,
    ...overrides,
  };
}

describe('real Packer manifests (fixtures/packer/out)', () => {
  const cases = readdirSync(fixture('packer', 'out'));
  const expectedCount: Record<string, number> = {
    single: 1,
    'single-hcl2': 1,
    multi: 4,
    'multi-hcl2': 4,
    'same-name-hcl2': 2,
    accumulated: 1,
    'failed-builder': 1,
    'failed-builder-machine-readable': 1,
    'failed-postprocessor': 1,
  };

  it('covers every case folder', () => {
    expect([...cases].sort()).toEqual(Object.keys(expectedCount).sort());
  });

  it.each(cases)('%s parses: builds of the last run, null/file builders as single artifacts', (name) => {
    const parsed = parseFile(fixture('packer', 'out', name, 'manifest.json'));
    expect(parsed.builds).toHaveLength(expectedCount[name]);
    for (const b of parsed.builds) {
      expect(b.packer_run_uuid).toBe(parsed.lastRunUuid);
      expect(b.status).toBe('DONE');
      expect(b.failure_reason).toBeUndefined();
      expect(['null', 'file']).toContain(b.builder_type);
      expect(b.platform).toBe(b.builder_type);
      expect(b.artifacts).toEqual([{ external_id: b.builder_type === 'null' ? 'Null' : 'File', region: '' }]);
      expect(typeof b.build_time).toBe('number');
      expect(b.parent_channel).toBeNull();
    }
  });

  it('accumulated: only the last run by default, the newest of each build with allRuns, any run by runUuid', () => {
    const path = fixture('packer', 'out', 'accumulated', 'manifest.json');
    const last = parseFile(path);
    expect(last.lastRunUuid).toBe('ce6fc0c2-80b9-1147-c39b-b1cd7fd8b6cd');
    expect(last.builds.map((b) => [b.name, b.labels.version])).toEqual([['amazon-ebs.ubuntu', '1.4.1']]);

    const all = parseFile(path, { allRuns: true });
    expect(all.builds.map((b) => [b.name, b.packer_run_uuid, b.labels.version])).toEqual([
      ['azure-arm.ubuntu', '323bc471-6340-293e-7b9d-d00b0f255b96', '1.4.0'],
      ['amazon-ebs.ubuntu', 'ce6fc0c2-80b9-1147-c39b-b1cd7fd8b6cd', '1.4.1'],
    ]);

    const run1 = parseFile(path, { runUuid: '323bc471-6340-293e-7b9d-d00b0f255b96' });
    expect(run1.builds.map((b) => [b.name, b.labels.version])).toEqual([
      ['azure-arm.ubuntu', '1.4.0'],
      ['amazon-ebs.ubuntu', '1.4.0'],
    ]);

    expect(rejection(() => parseFile(path, { runUuid: 'no-such-run' })).details.field).toBe('packer_run_uuid');
  });

  it('same-name-hcl2: two builds share a name; shell-local mode needs PACKER_BUILDER_TYPE to tell them apart', () => {
    const path = fixture('packer', 'out', 'same-name-hcl2', 'manifest.json');
    const both = parseFile(path).builds;
    expect(both.map((b) => [b.name, b.builder_type])).toEqual([
      ['ubuntu', 'null'],
      ['ubuntu', 'file'],
    ]);
    expect(both.every((b) => Object.keys(b.labels).length === 0 && b.source_external_id === null)).toBe(true);

    const ambiguous = rejection(() => parseFile(path, { buildName: 'ubuntu' }));
    expect(ambiguous.details.field).toBe('PACKER_BUILDER_TYPE');
    expect(ambiguous.message).toContain('PACKER_BUILDER_TYPE');

    const file = parseFile(path, { buildName: 'ubuntu', builderType: 'file' }).builds;
    expect(file).toHaveLength(1);
    expect(file[0]).toMatchObject({ name: 'ubuntu', builder_type: 'file', artifacts: [{ external_id: 'File', region: '' }] });

    const missing = rejection(() => parseFile(path, { buildName: 'ubuntu', builderType: 'docker' }));
    expect(missing.details.field).toBe('PACKER_BUILD_NAME');
  });

  // Every env dump is what shell-local saw for one build: it must select exactly that build,
  // unless the build failed after the dump and so never made it into the manifest.
  const envFiles = cases.flatMap((name) =>
    readdirSync(fixture('packer', 'out', name, 'env'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.env'))
      .map((f) => [name, f] as const),
  );
  it.each(envFiles)('%s env/%s selects its own build in shell-local mode', (name, envFile) => {
    const env = Object.fromEntries(
      readFileSync(fixture('packer', 'out', name, 'env', envFile), 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const path = fixture('packer', 'out', name, 'manifest.json');
    const opts = { runUuid: env.PACKER_RUN_UUID, buildName: env.PACKER_BUILD_NAME, builderType: env.PACKER_BUILDER_TYPE };
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { builds: { name: string; builder_type: string; packer_run_uuid: string }[] };
    const inManifest = raw.builds.some((b) => b.name === opts.buildName && b.builder_type === opts.builderType && b.packer_run_uuid === opts.runUuid);
    if (inManifest) {
      expect(parseFile(path, opts).builds.map((b) => [b.packer_run_uuid, b.name, b.builder_type])).toEqual([
        [opts.runUuid, opts.buildName, opts.builderType],
      ]);
    } else {
      expect(rejection(() => parseFile(path, opts)).details.field).toBe('PACKER_BUILD_NAME');
    }
  });

  it('single: labels from custom_data, the labels JSON merged in, source_image_id as lineage', () => {
    const [b] = parseFile(fixture('packer', 'out', 'single', 'manifest.json')).builds;
    expect(b.labels).toEqual({
      team: 'platform',
      tier: 'base',
      'cost-center': 'cc-1042',
      os: 'ubuntu-22.04',
      version: '1.4.0',
      description: 'Ubuntu 22.04 base <CIS L1> & patched',
    });
    expect(b.source_external_id).toBe('ami-04895f74eb055bfbd');
    expect(b.build_time).toBe(1795620108);
  });

  it('--parent overrides source_image_id and applies to every build; parentChannel is carried', () => {
    const builds = parseFile(fixture('packer', 'out', 'multi', 'manifest.json'), {
      parent: 'ami-0aaaaaaaaaaaaaaaa',
      parentChannel: { bucket: 'ubuntu-base', channel: 'production' },
    }).builds;
    expect(builds).toHaveLength(4);
    for (const b of builds) {
      expect(b.source_external_id).toBe('ami-0aaaaaaaaaaaaaaaa');
      expect(b.parent_channel).toEqual({ bucket: 'ubuntu-base', channel: 'production' });
    }
  });

  it('a parent channel alone overrides source_image_id too: the build has no source image of its own', () => {
    const builds = parseFile(fixture('manifests-cloud', 'lineage-app.json'), { parentChannel: { bucket: 'base', channel: 'prod' } }).builds;
    expect(builds.map((b) => [b.source_external_id, b.parent_channel])).toEqual([
      [null, { bucket: 'base', channel: 'prod' }],
      [null, { bucket: 'base', channel: 'prod' }],
    ]);
    expect(parseFile(fixture('manifests-cloud', 'lineage-app.json')).builds.map((b) => b.source_external_id)).toEqual([
      'ami-032c6aeda97099fcd',
      '/subscriptions/5f3c1a2b-8d4e-4f6a-9b7c-2e1d0f9a8b7c/resourceGroups/rg-golden-images/providers/Microsoft.Compute/images/base-ubuntu-2204-3.0.0',
    ]);
  });
});

describe('cloud manifests (fixtures/manifests-cloud)', () => {
  const dir = fixture('manifests-cloud');
  const expected = readTsv(join(dir, 'expected-artifacts.tsv'));
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('every manifest is listed in expected-artifacts.tsv', () => {
    expect(files.sort()).toEqual([...new Set(expected.map((r) => r.file))].sort());
  });

  it.each(files)('%s yields exactly the artifacts of expected-artifacts.tsv', (file) => {
    const builds = parseFile(join(dir, file)).builds;
    const got = builds.flatMap((b) => b.artifacts.map((a) => [b.name, b.builder_type, a.region, a.external_id, b.labels.version]));
    const want = expected
      .filter((r) => r.file === file)
      .map((r) => [r.build_name, r.builder_type, r.region === '-' ? '' : r.region, r.external_id, r.version]);
    expect(got.sort()).toEqual(want.sort());
    for (const b of builds) expect(b.platform).toBe(platformOf(b.builder_type));
  });

  it('source_image_id of every build becomes its source_external_id (expected-lineage.tsv)', () => {
    const rows = readTsv(join(dir, 'expected-lineage.tsv'));
    const byFile = new Map(files.map((f) => [f, parseFile(join(dir, f)).builds] as const));
    const withSource = [...byFile].flatMap(([f, builds]) => builds.filter((b) => b.source_external_id !== null).map((b) => [f, b.name]));
    expect(withSource.sort()).toEqual(rows.map((r) => [r.child_file, r.child_build]).sort());
    for (const row of rows) {
      const child = byFile.get(row.child_file)?.find((b) => b.name === row.child_build);
      expect(child?.source_external_id).toBe(row.source_image_id);
      expect(child?.labels).not.toHaveProperty('source_image_id');
      if (row.parent_file === '-') continue;
      // The parent's artifact must carry exactly that external id (per region for amazon).
      const parent = byFile.get(row.parent_file)?.find((b) => b.name === row.parent_build);
      expect(parent?.artifacts).toContainEqual({ external_id: row.source_image_id, region: row.parent_region === '-' ? '' : row.parent_region });
    }
  });
});

describe('bad input (fixtures/bad-input)', () => {
  const dir = fixture('bad-input');
  const cases = readTsv(join(dir, 'cases.tsv'));
  const stored = cases.filter((c) => c.file !== 'huge-custom-data.json');

  it('cases.tsv lists every stored file', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(stored.map((c) => c.file).sort());
    expect(cases.map((c) => c.file)).toContain('huge-custom-data.json');
  });

  it.each(stored.map((c) => [c.file, c.what_is_wrong]))('%s is rejected (%s)', (file) => {
    const err = rejection(() => parseFile(join(dir, file)));
    expect(typeof err.details.field).toBe('string');
    expect(err.message).toContain(String(err.details.field));
  });

  const fieldOf: Record<string, string> = {
    'truncated.json': 'manifest',
    'top-level-array.json': 'manifest',
    'builds-not-array.json': 'builds',
    'artifact-id-number.json': 'builds[1].artifact_id',
    'missing-name.json': 'builds[1].name',
    'name-dotdot.json': 'builds[1].name',
    'name-dots.json': 'builds[1].name',
    'name-spaces.json': 'builds[1].name',
    'name-unicode.json': 'builds[1].name',
    'name-control-chars.json': 'builds[1].name',
    'duplicate-build-names.json': 'builds[2]',
    'empty-builds.json': 'builds',
    'non-utf8.json': 'manifest',
    'empty-file.json': 'manifest',
    'top-level-null.json': 'manifest',
    'builds-missing.json': 'builds',
    'name-empty.json': 'builds[1].name',
    'custom-data-non-string.json': 'builds[1].custom_data.labels',
    'build-not-object.json': 'builds[1]',
    'artifact-id-null.json': 'builds[1].artifact_id',
    'trailing-garbage.json': 'manifest',
  };
  it.each(Object.entries(fieldOf))('%s names the field %s', (file, field) => {
    expect(rejection(() => parseFile(join(dir, file))).details.field).toBe(field);
  });

  it('messages say what is wrong', () => {
    const msg = (file: string): string => rejection(() => parseFile(join(dir, file))).message;
    expect(msg('name-spaces.json')).toMatch(/^builds\[1\]\.name: "amazon ebs\.ubuntu" is not a valid build name \(/);
    // Invisible or look-alike characters are shown escaped, not reproduced.
    expect(msg('name-unicode.json')).toContain('"\\u0430mazon-ebs.ubuntu"');
    expect(msg('name-control-chars.json')).toContain('\\u0000\\n');
    expect(msg('duplicate-build-names.json')).toMatch(/builds\[2\].*builds\[0\]/);
    expect(msg('artifact-id-number.json')).toContain('got a number');
    expect(msg('non-utf8.json')).toContain('UTF-8');
    expect(msg('empty-file.json')).toContain('empty');
    const nonString = msg('custom-data-non-string.json');
    expect(nonString).toContain('builds[1].custom_data.version');
    expect(nonString).toContain('builds[1].custom_data.labels');
  });

  it('huge-custom-data.json (generated, 2 MiB custom_data.notes) is rejected naming the field', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'gilt-huge-'));
    try {
      const out = join(tmp, 'huge-custom-data.json');
      execFileSync('sh', [join(dir, 'make-huge-custom-data.sh'), out]);
      const err = rejection(() => parseFile(out));
      expect(err.details.field).toBe('builds[1].custom_data.notes');
      expect(err.message).toContain('builds[1].custom_data.notes');
      expect(err.message.length).toBeLessThan(500);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('parseManifest rules', () => {
  const parseOne = (b: Record<string, unknown>): PublishedBuild => parseManifest(manifest(b)).builds[0];
  const fieldFor = (doc: unknown, opts?: ParseOptions): unknown => rejection(() => parseManifest(doc, opts)).details.field;

  it('validates builds of other runs too: a bad build anywhere rejects the file', () => {
    const doc = manifest(build({ packer_run_uuid: 'run-0', name: '../x' }), build());
    expect(fieldFor(doc)).toBe('builds[0].name');
  });

  it('accepts a dot inside a name and the same name with another builder type or in another run', () => {
    const doc = manifest(build(), build({ builder_type: 'amazon-chroot' }), build({ packer_run_uuid: 'run-0' }));
    expect(parseManifest(doc).builds.map((b) => b.builder_type)).toEqual(['amazon-ebs', 'amazon-chroot']);
  });

  it('checks the types of every field', () => {
    expect(fieldFor(manifest(build({ builder_type: 'Amazon EBS' })))).toBe('builds[0].builder_type');
    expect(fieldFor(manifest(build({ artifact_id: '' })))).toBe('builds[0].artifact_id');
    expect(fieldFor(manifest(build({ packer_run_uuid: 7 })))).toBe('builds[0].packer_run_uuid');
    expect(fieldFor(manifest(build({ build_time: '2026' })))).toBe('builds[0].build_time');
    expect(fieldFor(manifest(build({ files: {} })))).toBe('builds[0].files');
    expect(fieldFor(manifest(build({ custom_data: ['a'] })))).toBe('builds[0].custom_data');
    expect(fieldFor({ builds: [build()], last_run_uuid: 1 })).toBe('last_run_uuid');
    expect(fieldFor({ builds: [build()] })).toBe('last_run_uuid');
  });

  it('build_time may be absent', () => {
    const { build_time: _omitted, ...noTime } = build();
    expect(parseOne(noTime).build_time).toBeNull();
  });

  it('limits custom_data to 64 keys of at most 4096 characters', () => {
    const keys = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(Object.keys(parseOne(build({ custom_data: keys(64) })).labels)).toHaveLength(64);
    expect(fieldFor(manifest(build({ custom_data: keys(65) })))).toBe('builds[0].custom_data');
    expect(parseOne(build({ custom_data: { notes: 'x'.repeat(4096) } })).labels.notes).toHaveLength(4096);
    expect(fieldFor(manifest(build({ custom_data: { notes: 'x'.repeat(4097) } })))).toBe('builds[0].custom_data.notes');
    expect(fieldFor(manifest(build({ custom_data: { ['k'.repeat(129)]: 'v' } })))).toMatch(/^builds\[0\]\.custom_data\[/);
  });

  it('labels: a labels value that is not a JSON object of strings stays a plain label; plain keys win over it', () => {
    expect(parseOne(build({ custom_data: { labels: 'gold' } })).labels).toEqual({ labels: 'gold' });
    expect(parseOne(build({ custom_data: { labels: '{"a":1}' } })).labels).toEqual({ labels: '{"a":1}' });
    expect(parseOne(build({ custom_data: { labels: '["a"]' } })).labels).toEqual({ labels: '["a"]' });
    expect(parseOne(build({ custom_data: { labels: '{"os":"x","team":"t"}', os: 'ubuntu' } })).labels).toEqual({ os: 'ubuntu', team: 't' });
  });

  it('keeps a "__proto__" key as an own label', () => {
    const labels = parseOne(build({ custom_data: JSON.parse('{"__proto__":"p"}') as unknown })).labels;
    expect(Object.prototype.hasOwnProperty.call(labels, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it('an empty source_image_id is no lineage', () => {
    expect(parseOne(build({ custom_data: { source_image_id: '' } })).source_external_id).toBeNull();
  });

  it('rejects a malformed amazon artifact id naming the field', () => {
    for (const id of ['ami-0123', 'us-east-1:', 'us-east-1:ami-01,', 'us-east-1:ami-01:x', 'US EAST:ami-01']) {
      expect(fieldFor(manifest(build({ artifact_id: id })))).toBe('builds[0].artifact_id');
    }
  });

  it('rejects a bad parent channel', () => {
    expect(fieldFor(manifest(build()), { parentChannel: { bucket: 'a b', channel: 'prod' } })).toBe('parent');
    expect(fieldFor(manifest(build()), { parent: '' })).toBe('parent');
  });
});

describe('artifactsFromArtifactId / platformOf', () => {
  it('splits amazon ids into one artifact per region, keeping the order Packer wrote', () => {
    expect(artifactsFromArtifactId('amazon-ebs', 'us-west-2:ami-0fedcba9876543210,us-east-1:ami-0123456789abcdef0')).toEqual([
      { external_id: 'ami-0fedcba9876543210', region: 'us-west-2' },
      { external_id: 'ami-0123456789abcdef0', region: 'us-east-1' },
    ]);
    expect(artifactsFromArtifactId('amazon-ebsvolume', 'us-gov-west-1:vol-0abc')).toEqual([{ external_id: 'vol-0abc', region: 'us-gov-west-1' }]);
    expect(rejection(() => artifactsFromArtifactId('amazon-ebs', 'ami-0123')).details.field).toBe('artifact_id');
  });

  it('keeps other ids whole, colons and commas included', () => {
    const sha = 'sha256:a37b2bd455be6baeb56ad2cae983c0f7099032e0a53a4cb61b2109eb97a58f77';
    expect(artifactsFromArtifactId('docker', sha)).toEqual([{ external_id: sha, region: '' }]);
    expect(artifactsFromArtifactId('vsphere-clone', 'a,b')).toEqual([{ external_id: 'a,b', region: '' }]);
  });

  it.each([
    ['amazon-ebs', 'aws'],
    ['amazon-chroot', 'aws'],
    ['azure-arm', 'azure'],
    ['azure-chroot', 'azure'],
    ['googlecompute', 'gce'],
    ['docker', 'docker'],
    ['vsphere-iso', 'vsphere'],
    ['vsphere-clone', 'vsphere'],
    ['null', 'null'],
    ['file', 'file'],
    ['qemu', 'qemu'],
  ])('platformOf(%s) = %s', (builderType, platform) => {
    expect(platformOf(builderType)).toBe(platform);
  });
});
