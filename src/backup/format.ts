/**
 * The backup format: a fixed header, then the payload. Every field is checked on read, so a torn,
 * truncated, corrupted, foreign or newer backup is a typed `BackupFormatError`, never a wrong state.
 *
 *   offset  size  field
 *   0       4     magic "XLBK"
 *   4       1     format version (1)
 *   5       1     flags (bit 0: the payload is AES-GCM encrypted)
 *   6       2     wallet id length W (big-endian), then W bytes of UTF-8 wallet id
 *   8+W     8     sequence number (big-endian unsigned; only goes up for one wallet)
 *   16+W    8     created at (float64, ms since the epoch)
 *   24+W    4     payload length P (as stored: ciphertext with its tag when encrypted)
 *   28+W    12    AES-GCM IV (zeros when not encrypted)
 *   40+W    32    SHA-256 over every header byte before it and the stored payload
 *   72+W    P     payload
 *
 * The checksum covers the header too, so a flipped sequence or wallet id is caught like a flipped payload
 * byte. Encrypted payloads use the header (without the checksum) as AES-GCM additional data: a payload
 * cannot be moved under another header. Hashing and encryption use WebCrypto (`crypto.subtle`: every
 * browser in a secure context, Node 20); where it is missing `UnsupportedError` says so.
 */
import { UnsupportedError } from '../core/errors.js';
import { BackupFormatError } from './errors.js';

export const FORMAT_VERSION = 1;
const MAGIC = [0x58, 0x4c, 0x42, 0x4b]; // "XLBK"
const FIXED = 4 + 1 + 1 + 2 + 8 + 8 + 4 + 12; // header bytes before the checksum, without the wallet id
const CHECKSUM = 32;
export const MAX_WALLET_ID = 1024;

export interface BackupHeader {
  readonly walletId: string;
  readonly sequence: number;
  readonly createdAt: number;
  readonly encrypted: boolean;
}

export interface Backup extends BackupHeader {
  /** The payload, decrypted. */
  readonly payload: Uint8Array;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new UnsupportedError('crosslock/backup needs WebCrypto (crypto.subtle): a secure context (https:// or localhost), or Node 20+');
  return s;
}

/** Encodes a backup; `key` (AES-GCM) encrypts the payload. */
export async function encode(backup: Omit<Backup, 'encrypted'>, key?: CryptoKey): Promise<Uint8Array> {
  const id = new TextEncoder().encode(backup.walletId);
  if (id.length === 0 || id.length > MAX_WALLET_ID) throw new RangeError(`walletId must be 1 to ${MAX_WALLET_ID} bytes of UTF-8`);
  if (!Number.isSafeInteger(backup.sequence) || backup.sequence < 0) throw new RangeError(`sequence must be a non-negative safe integer, got ${backup.sequence}`);
  const iv = key ? globalThis.crypto.getRandomValues(new Uint8Array(12)) : new Uint8Array(12);
  const header = new Uint8Array(FIXED + id.length);
  const view = new DataView(header.buffer);
  header.set(MAGIC, 0);
  view.setUint8(4, FORMAT_VERSION);
  view.setUint8(5, key ? 1 : 0);
  view.setUint16(6, id.length);
  header.set(id, 8);
  const at = 8 + id.length;
  view.setBigUint64(at, BigInt(backup.sequence));
  view.setFloat64(at + 8, backup.createdAt);
  const stored = key ? new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: withoutLength(header, at + 16) }, key, new Uint8Array(backup.payload))) : backup.payload;
  view.setUint32(at + 16, stored.length);
  header.set(iv, at + 20);
  const digest = await sha256(header, stored);
  const out = new Uint8Array(header.length + CHECKSUM + stored.length);
  out.set(header, 0);
  out.set(digest, header.length);
  out.set(stored, header.length + CHECKSUM);
  return out;
}

/** Reads a backup's header without checking the checksum (for listings); `decode` checks everything. */
export function peek(bytes: Uint8Array): BackupHeader & { length: number } {
  if (bytes.length < 8) throw new BackupFormatError('truncated', `${bytes.length} bytes is shorter than any header`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) throw new BackupFormatError('magic', 'not a crosslock backup');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(4);
  if (version !== FORMAT_VERSION) throw new BackupFormatError('version', `format ${version}, this code reads ${FORMAT_VERSION}: written by a newer crosslock`);
  const idLength = view.getUint16(6);
  const headerLength = FIXED + idLength;
  if (bytes.length < headerLength + CHECKSUM) throw new BackupFormatError('truncated', `${bytes.length} bytes is shorter than its header`);
  const at = 8 + idLength;
  const length = view.getUint32(at + 16);
  if (bytes.length !== headerLength + CHECKSUM + length) {
    throw new BackupFormatError(bytes.length < headerLength + CHECKSUM + length ? 'truncated' : 'checksum', `${bytes.length} bytes, its header says ${headerLength + CHECKSUM + length}`);
  }
  let walletId: string;
  try {
    walletId = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + idLength));
  } catch {
    throw new BackupFormatError('checksum', 'its wallet id is not valid UTF-8: corrupted');
  }
  const sequence = view.getBigUint64(at);
  if (sequence > BigInt(Number.MAX_SAFE_INTEGER)) throw new BackupFormatError('checksum', `its sequence ${sequence} is out of range: corrupted`);
  return { walletId, sequence: Number(sequence), createdAt: view.getFloat64(at + 8), encrypted: (view.getUint8(5) & 1) === 1, length };
}

/**
 * Checks and decodes a backup: every header field, the checksum, the wallet (`walletId`, when given)
 * and, for an encrypted one, the key. Throws `BackupFormatError` with what is wrong.
 */
export async function decode(bytes: Uint8Array, options: { walletId?: string; key?: CryptoKey } = {}): Promise<Backup> {
  const header = peek(bytes);
  const idLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(6);
  const end = FIXED + idLength;
  const stored = bytes.subarray(end + CHECKSUM);
  const digest = await sha256(bytes.subarray(0, end), stored);
  const expected = bytes.subarray(end, end + CHECKSUM);
  if (!digest.every((b, i) => b === expected[i])) throw new BackupFormatError('checksum', 'its SHA-256 does not match: corrupted or torn');
  if (options.walletId !== undefined && header.walletId !== options.walletId) throw new BackupFormatError('wallet', `it belongs to wallet "${header.walletId}", not "${options.walletId}"`);
  if (!header.encrypted) {
    // With a key, only an encrypted backup is ours: an unencrypted one (which anyone who can write the
    // storage could make, checksum and all) is refused, never taken as the wallet's state.
    if (options.key) throw new BackupFormatError('key', 'it is not encrypted, and this wallet encrypts its backups');
    return { ...omitLength(header), payload: stored.slice() };
  }
  if (!options.key) throw new BackupFormatError('key', 'it is encrypted: give the key');
  const at = 8 + idLength;
  const iv = bytes.subarray(at + 20, at + 32);
  try {
    const payload = new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: iv.slice(), additionalData: withoutLength(bytes.subarray(0, end), at + 16) }, options.key, stored.slice()));
    return { ...omitLength(header), payload };
  } catch (error) {
    if (error instanceof UnsupportedError) throw error;
    throw new BackupFormatError('key', 'it does not decrypt with this key');
  }
}

/** The header bytes authenticated by AES-GCM: all but the payload length and IV (set after encrypting). */
function withoutLength(header: Uint8Array, lengthAt: number): Uint8Array<ArrayBuffer> {
  return header.slice(0, lengthAt);
}

function omitLength(header: BackupHeader & { length: number }): BackupHeader {
  const { walletId, sequence, createdAt, encrypted } = header;
  return { walletId, sequence, createdAt, encrypted };
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  // One buffer of our own (an ArrayBuffer, never a shared one), hashed at once.
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) (all.set(part, at), (at += part.length));
  return new Uint8Array(await subtle().digest('SHA-256', all));
}

/** Whether two stored backups are the same bytes (`undefined`: none). */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
