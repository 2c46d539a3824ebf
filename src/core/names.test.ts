/**
 * The full-name encoding (names.ts): a table of joins and splits, and properties over arbitrary
 * prefixes and names: distinct (prefix, name) pairs never share a full name, `localName` inverts
 * `fullName`, and no full name is a name of the rule (so none is a full name of the old dotted encoding).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDerived, checkName, checkPrefix, fullName, localName, MAX_NAME_BYTES, reserved } from './names.js';

describe('full names', () => {
  it.each([
    [undefined, 'sync', '+sync'],
    ['alice', 'savings.sync', 'alice+savings.sync'],
    ['alice.savings', 'sync', 'alice.savings+sync'],
    ['a-b_c.9', 'A.b-c_9', 'a-b_c.9+A.b-c_9'],
  ] as const)('prefix %s + name %s is %s, and back', (prefix, name, full) => {
    expect(fullName(prefix, name)).toBe(full);
    expect(localName(prefix, full)).toBe(name);
  });

  it.each([
    [undefined, 'alice+x', 'another prefix'],
    ['alice', '+x', 'no prefix'],
    ['alice', 'alicex+y', 'a longer prefix'],
    ['alice', 'alice.x', 'the old dotted encoding'],
    [undefined, 'x', 'an old unprefixed record'],
    [undefined, 'crosslock-probe.1f', 'a foreign Web Lock'],
  ] as const)('under prefix %s, %s lies outside (%s)', (prefix, full, _why) => {
    expect(localName(prefix, full)).toBeUndefined();
  });

  it("keeps crosslock's own locks in a namespace no name reaches", () => {
    const own = reserved('leader', 'sync');
    expect(own).toBe('leader+sync');
    expect(fullName('p', own, true)).toBe('p+leader+sync');
    expect(fullName(undefined, own, true)).toBe('+leader+sync');
    expect(localName('p', 'p+leader+sync')).toBe(own);
    expect(fullName('p', 'sync')).not.toBe(fullName('p', own, true));
    // As a name, a reserved one is refused; as a reserved one, a plain name is.
    expect(() => fullName('p', own)).toThrow(expect.objectContaining({ name: 'InvalidLockNameError' }));
    expect(() => fullName('p', 'sync', true)).toThrow(expect.objectContaining({ name: 'InvalidLockNameError' }));
    expect(reserved('alive', 'svc', 1234, 'ab12')).toBe('alive+svc+1234+ab12');
  });

  it('applies the 200-byte limit to the full name, and says so', () => {
    expect(fullName(undefined, 'x'.repeat(MAX_NAME_BYTES - 1))).toHaveLength(MAX_NAME_BYTES);
    expect(() => fullName(undefined, 'x'.repeat(MAX_NAME_BYTES))).toThrow(expect.objectContaining({ name: 'InvalidLockNameError', message: expect.stringContaining('200') }));
    const prefix = 'p'.repeat(10);
    expect(fullName(prefix, 'x'.repeat(MAX_NAME_BYTES - 11))).toHaveLength(MAX_NAME_BYTES);
    expect(() => fullName(prefix, 'x'.repeat(MAX_NAME_BYTES - 10))).toThrow(expect.objectContaining({ message: expect.stringContaining('1 to 189 of') }));
  });

  it('takes prefixes that leave room for a name, and checks derived names against the lock made from them', () => {
    expect(checkPrefix('p'.repeat(MAX_NAME_BYTES - 2))).toHaveLength(MAX_NAME_BYTES - 2);
    for (const bad of ['p'.repeat(MAX_NAME_BYTES - 1), '', 'a+b', 'a b']) expect(() => checkPrefix(bad)).toThrow(expect.objectContaining({ name: 'InvalidLockNameError' }));
    // "p+leader+<name>": 200 - 1 - 1 - 6 - 1.
    expect(checkDerived('p', 'leader', 'e'.repeat(191), 'an election name')).toHaveLength(191);
    expect(() => checkDerived('p', 'leader', 'e'.repeat(192), 'an election name')).toThrow(expect.objectContaining({ name: 'InvalidLockNameError', message: expect.stringMatching(/an election name is 1 to 191 of .*"p\+leader\+<name>" to fit in 200/) }));
    // Room for parts known later (a service's epoch and host id).
    expect(checkDerived(undefined, 'alive', 's'.repeat(200 - 7 - 10), 'a service name', 10)).toHaveLength(183);
    expect(() => checkDerived(undefined, 'alive', 's'.repeat(184), 'a service name', 10)).toThrow(expect.objectContaining({ name: 'InvalidLockNameError' }));
  });
});

/** Names of the rule over a tiny alphabet, so that dotted joins of different pairs meet often. */
const names = fc.stringMatching(/^[ab](?:[ab.]{0,5}[ab])?$/);
const prefixes = fc.option(names, { nil: undefined });

describe('full names (properties)', () => {
  it('distinct (prefix, name) pairs never share a full name; localName inverts fullName; no full name is a name', () => {
    fc.assert(
      fc.property(prefixes, names, prefixes, names, (p1, n1, p2, n2) => {
        const f1 = fullName(p1, n1);
        const f2 = fullName(p2, n2);
        if (p1 !== p2 || n1 !== n2) expect(f1).not.toBe(f2);
        expect(localName(p1, f1)).toBe(n1);
        if (p1 !== p2) expect(localName(p2, f1)).toBeUndefined();
        expect(() => checkName(f1)).toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it("crosslock's own locks never share a full name with a name's, under any prefixes", () => {
    const kinds = fc.constantFrom('leader', 'service', 'alive', 'backup' as const);
    fc.assert(
      fc.property(prefixes, names, prefixes, kinds, names, (p1, n1, p2, kind, n2) => {
        const own = fullName(p2, reserved(kind, n2), true);
        expect(fullName(p1, n1)).not.toBe(own);
        expect(localName(p2, own)).toBe(reserved(kind, n2));
      }),
      { numRuns: 2000 },
    );
  });
});
