import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '@gilt/testing';

/** The shared fixtures (real Packer output and hand-made bad input) live beside the checkout. */
export const FIXTURES = process.env.GILT_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/fixtures');

export const fixturePath = (...parts: string[]) => path.join(FIXTURES, ...parts);
export const readFixture = (...parts: string[]) => fs.readFileSync(fixturePath(...parts));
export const fixtureJson = (...parts: string[]): any => JSON.parse(readFixture(...parts).toString('utf8'));

/** The `region:ami` pairs of an amazon-ebs build's artifact id, as the fixture has them. */
export const amazonArtifacts = (artifactId: string) =>
  artifactId.split(',').map((pair) => {
    const [region, id] = pair.split(':');
    return { region: region!, external_id: id! };
  });
