import { describe, expect, it } from 'vitest';
import { startSignal } from './campaign.js';

/** Something whose signal getter runs a check, as a guard or a leadership does. */
function checked() {
  const controller = new AbortController();
  let expired = false;
  return {
    expire: () => void (expired = true),
    abort: (reason: unknown) => controller.abort(reason),
    get signal() {
      if (expired && !controller.signal.aborted) controller.abort('expired');
      return controller.signal;
    },
  };
}

describe('startSignal', () => {
  it('reading it runs the checks of what it follows, and aborts at once with their reason', () => {
    const [a, b] = [checked(), checked()];
    const start = startSignal(a);
    start.watch(b);
    expect(start.signal.aborted).toBe(false);
    b.expire(); // nothing dispatched yet: only reading b's signal finds it out
    expect(start.signal.aborted).toBe(true);
    expect(start.signal.reason).toBe('expired');
  });

  it('follows aborts as they are dispatched, keeps the first reason, and removes its listeners when it ends', () => {
    const host = new AbortController();
    let listeners = 0;
    const add = host.signal.addEventListener.bind(host.signal);
    const remove = host.signal.removeEventListener.bind(host.signal);
    host.signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => (listeners++, add(...args));
    host.signal.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => (listeners--, remove(...args));
    const lead = checked();
    const start = startSignal({ signal: host.signal }, lead);
    expect(listeners).toBe(1);
    lead.abort('lost');
    expect(start.signal.reason).toBe('lost');
    expect(listeners).toBe(0);
    host.abort('closed');
    expect(start.signal.reason).toBe('lost');
  });

  it('`ended` resolves when it aborts', async () => {
    const start = startSignal(checked());
    start.end('closed');
    await expect(start.ended).resolves.toBeUndefined();
  });

  it('is aborted at once when made from something already aborted', () => {
    const host = new AbortController();
    host.abort('closed');
    expect(startSignal({ signal: host.signal }, checked()).signal.reason).toBe('closed');
  });
});
