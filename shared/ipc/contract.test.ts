import { describe, expect, it } from 'vitest';
import { eventChannels, invokeChannels, isInvokeChannel, methodName, subscriptionName } from './contract.ts';
import { validators } from './validate.ts';

describe('IPC contract', () => {
  it('maps channels to one method name each, without collisions', () => {
    expect(methodName('app:info')).toBe('appInfo');
    expect(subscriptionName('connection:changed')).toBe('onConnectionChanged');
    const names = [...invokeChannels.map(methodName), ...eventChannels.map(subscriptionName)];
    expect(new Set(names).size).toBe(names.length);
  });

  it('names channels domain:verb', () => {
    for (const c of [...invokeChannels, ...eventChannels]) expect(c).toMatch(/^[a-z][A-Za-z]*:[a-z][A-Za-z]*$/);
  });

  it('recognises only known channels', () => {
    expect(isInvokeChannel('app:info')).toBe(true);
    expect(isInvokeChannel('app:shell')).toBe(false);
    expect(isInvokeChannel(42)).toBe(false);
  });

  it('rejects arguments on argument-less channels with E_INVALID_ARGUMENT', () => {
    expect(validators['app:info'](null)).toEqual({ ok: true, args: null });
    const bad = validators['app:info']({ evil: true });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('E_INVALID_ARGUMENT');
  });
});
