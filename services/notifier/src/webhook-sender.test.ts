import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '@gilt/testing';
import { signatureOf } from './webhook-sender.js';

// The signature format is fixed by the shared fixtures: real bodies, the key, and the header
// each should carry, plus two that must not verify.
const DIR = path.join(process.env.GILT_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/fixtures'), 'run-task', 'webhooks');
const key = fs.readFileSync(path.join(DIR, 'webhook-key.txt'), 'utf8').trim();
const rows = fs
  .readFileSync(path.join(DIR, 'events.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map(([file, , , valid]) => ({ file: file!, valid: valid === 'yes' }));

describe('signatureOf', () => {
  it.each(rows)('gives the header the fixtures expect for $file (valid: $valid)', ({ file, valid }) => {
    const body = fs.readFileSync(path.join(DIR, file), 'utf8');
    const header = /^X-Gilt-Signature: (.*)$/m.exec(fs.readFileSync(path.join(DIR, file.replace('.body.json', '.headers.txt')), 'utf8'))![1];
    expect(signatureOf(body, key) === header).toBe(valid);
  });
});
