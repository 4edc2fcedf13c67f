import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { SealedSecret } from '@gilt/contracts';

const KEY_STREAM = 'GILT_SECRETS';
const KEY_SUBJECT = 'gilt.secrets.webhook-key';
const WRONG_LAST_SEQUENCE = 10071;
const STREAM_NOT_FOUND = 10059;
const NO_MESSAGE = 10037;

/**
 * Seals webhook secrets before they go into the log. The log is meant to be exported and replayed
 * by anyone; the key is not in it. It comes from GILT_WEBHOOK_KEY, or is created once and kept in
 * its own stream (GILT_SECRETS), which log exports do not include.
 */
export class SecretBox {
  private constructor(
    private readonly key: Buffer,
    readonly keyId: string,
  ) {}

  static async open(nc: NatsConnection, configured: string | undefined, replicas = 1): Promise<SecretBox> {
    const key = configured !== undefined ? decodeKey(configured) : await storedKey(nc, replicas);
    return new SecretBox(key, createHash('sha256').update(key).digest('hex').slice(0, 16));
  }

  seal(plain: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { alg: 'aes-256-gcm', key_id: this.keyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
  }

  unseal(s: SealedSecret): string {
    if (s.key_id !== this.keyId) throw new Error(`webhook secret was sealed with key ${s.key_id}, this notifier has ${this.keyId} (GILT_WEBHOOK_KEY changed?)`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(s.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(s.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  }
}

function decodeKey(b64: string): Buffer {
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32) throw new Error(`GILT_WEBHOOK_KEY must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`);
  return key;
}

/** The key kept in NATS; the first notifier to start creates it, a concurrent one reads the winner's. */
async function storedKey(nc: NatsConnection, replicas: number): Promise<Buffer> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(KEY_STREAM);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NOT_FOUND) throw err;
    await jsm.streams.add({ name: KEY_STREAM, subjects: ['gilt.secrets.>'], storage: StorageType.File, deny_delete: true, deny_purge: true, num_replicas: replicas }).catch((e: unknown) => {
      if (!(e instanceof JetStreamApiError) || !/already in use/i.test(e.message)) throw e;
    });
  }
  const existing = await jsm.streams.getMessage(KEY_STREAM, { last_by_subj: KEY_SUBJECT }).catch((e: unknown) => {
    if (e instanceof JetStreamApiError && e.code === NO_MESSAGE) return null;
    throw e;
  });
  if (existing) return decodeKey(existing.string());
  try {
    const fresh = randomBytes(32).toString('base64');
    await jetstream(nc).publish(KEY_SUBJECT, fresh, { expect: { lastSubjectSequence: 0 } });
    return decodeKey(fresh);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== WRONG_LAST_SEQUENCE) throw err;
    const m = await jsm.streams.getMessage(KEY_STREAM, { last_by_subj: KEY_SUBJECT });
    return decodeKey(m!.string());
  }
}
