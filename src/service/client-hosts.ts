/**
 * A service client's `reconnect()` calls waiting for a host, and how many gone hosts it remembers
 * (client.ts). Functions over the client's own set, not a class: their names minify (issue 17).
 */
import type { HostInfo } from './connect-options.js';

/** How many gone hosts a client remembers (their late messages are ignored). */
export const GONE_REMEMBERED = 256;

/** `reconnect()` calls waiting for a host. */
export type HostWaiter = { resolve(host: HostInfo): void; reject(error: unknown): void };

/**
 * Waits in `waiters` for the next host; rejects with `timedOut()`'s error after `timeout` ms. `look`
 * (start looking for a host) runs once the waiter is in: what it throws rejects the wait.
 */
export function waitForHost(waiters: Set<HostWaiter>, timeout: number, timedOut: () => Error, look: () => void): Promise<HostInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(waiter);
      reject(timedOut());
    }, timeout);
    const waiter: HostWaiter = {
      resolve: (h) => (clearTimeout(timer), resolve(h)),
      reject: (e) => (clearTimeout(timer), reject(e)),
    };
    waiters.add(waiter);
    try {
      look();
    } catch (error) {
      waiters.delete(waiter);
      waiter.reject(error);
    }
  });
}

/** Ends every waiter, with `host` or the error. */
export function endWaiters(waiters: Set<HostWaiter>, host: HostInfo | undefined, error?: unknown): void {
  for (const waiter of waiters) if (host) waiter.resolve(host); else waiter.reject(error);
  waiters.clear();
}
