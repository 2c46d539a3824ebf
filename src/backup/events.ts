/** What a `BackupSwapper` tells (swapper.ts): each swap it made, and the failures nobody awaits. */
import type { BackupHeader } from './format.js';

/** What a backup is, without its bytes. */
export interface BackupInfo extends BackupHeader {
  readonly size: number;
}

/** Dispatched after each swap this swapper made (`info`, `bytes`): hand them to an off-device copy. */
export class BackupEvent extends Event {
  constructor(
    readonly info: BackupInfo,
    readonly bytes: Uint8Array,
  ) {
    super('backup');
  }
}

/**
 * Dispatched as `'error'` when a write nobody awaits (the one made on becoming leader) fails, or when the
 * swapper's own election (`manager`) could not have its lock this time (`error`: an `ElectionError`, with
 * the failure as `cause`; it tries again after `error.retryInMs`).
 */
export class BackupErrorEvent extends Event {
  constructor(readonly error: unknown) {
    super('error');
  }
}
