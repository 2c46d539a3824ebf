import { describe, expect, it } from 'vitest';

describe('WebLockManager in Node', () => {
  it('imports without touching browser globals and refuses to construct with UnsupportedError', async () => {
    const { WebLockManager } = await import('../../src/index.js');
    expect(() => new WebLockManager()).toThrow(expect.objectContaining({ name: 'UnsupportedError', message: expect.stringMatching(/not a browser/) }));
  });
});
