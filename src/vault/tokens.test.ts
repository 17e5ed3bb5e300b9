import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { masterKeyFrom } from './master-key';
import { Vault } from './vault';

const newKey = () => masterKeyFrom(randomBytes(32).toString('base64'));

describe('tokens the server seals for itself', () => {
  it('opens what it sealed, and nothing sealed for another purpose or by another master key', () => {
    const key = newKey();
    const vault = new Vault(key);
    const token = vault.sealToken('oauth2-state/v1', '{"holder":"h1"}');
    expect(token).toMatch(/^[\w-]+$/);
    expect(vault.openToken('oauth2-state/v1', token)).toBe('{"holder":"h1"}');
    expect(vault.openToken('another-purpose', token)).toBeNull();
    expect(new Vault(newKey()).openToken('oauth2-state/v1', token)).toBeNull();
    expect(vault.openToken('oauth2-state/v1', 'short')).toBeNull();
  });

  it('every seal of the same text differs, and a token altered in any byte does not open', () => {
    const vault = new Vault(newKey());
    const token = vault.sealToken('p', 'same');
    expect(vault.sealToken('p', 'same')).not.toBe(token);
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const altered = Buffer.from(bytes);
      altered[i]! ^= 0x01;
      expect(vault.openToken('p', altered.toString('base64url'))).toBeNull();
    }
  });

  it('during a master key rotation, tokens sealed with the previous key still open', () => {
    const previous = newKey();
    const token = new Vault(previous).sealToken('p', 'before the rotation');
    expect(new Vault(newKey(), [previous]).openToken('p', token)).toBe('before the rotation');
  });
});
