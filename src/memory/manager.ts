/**
 * `MemoryLockManager`: the contract within one JavaScript realm (one tab, one worker, one Node process).
 *
 * Scope `'realm'`: it does NOT exclude other tabs or processes. Use it where only one realm exists
 * (Node tools, tests), or as the last resort `platformDefault()` reports loudly.
 *
 * Every manager of a realm shares one lock table (as every context of an origin shares
 * `navigator.locks`), unless given its own `space` (isolated tests, or deliberately separate domains).
 */
import { InvalidOptionError, describe } from '../core/errors.js';
import { checkObject } from '../core/options.js';
import type { AcquireRequest, Grant } from '../core/grant.js';
import { BaseLockManager } from '../core/manager.js';
import type { LockSnapshot } from '../core/types.js';
import { MemoryLockSpace } from './space.js';

export interface MemoryLockManagerOptions {
  /** Namespace for every name of this manager (full names `<prefix>+<name>`), e.g. a wallet fingerprint. Default: none. */
  prefix?: string;
  /** The lock table to use. Default: the realm's shared table (`MemoryLockSpace.realm()`). */
  space?: MemoryLockSpace;
}

export class MemoryLockManager extends BaseLockManager {
  readonly backend = 'memory';
  readonly scope = 'realm';
  readonly #space: MemoryLockSpace;

  constructor(options: MemoryLockManagerOptions = {}) {
    const o = checkObject(options, ['prefix', 'space'], 'new MemoryLockManager()');
    super(o.prefix);
    if (o.space !== undefined && !(o.space instanceof MemoryLockSpace)) {
      throw new InvalidOptionError('space', `must be a MemoryLockSpace, got ${describe(o.space)}`);
    }
    this.#space = (o.space as MemoryLockSpace | undefined) ?? MemoryLockSpace.realm();
  }

  protected async acquire(request: AcquireRequest): Promise<Grant | null> {
    const grant = await this.#space.request(request.name, request.mode, this.clientId, request.signal);
    return grant && { release: async () => grant.release(), generation: grant.generation };
  }

  protected async snapshot(): Promise<LockSnapshot> {
    return this.#space.snapshot();
  }
}
