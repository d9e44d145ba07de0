import { describe, expect, it } from 'vitest';
import { invokeChannels } from './contract.ts';
import { validators } from './validate.ts';

function codeOf(r: { ok: boolean; error?: { code: string; message: string } }): string | null {
  return r.ok ? null : r.error!.code;
}

describe('IPC argument validation', () => {
  it('has a validator for every channel', () => {
    for (const c of invokeChannels) expect(typeof validators[c]).toBe('function');
  });

  it('accepts well-formed arguments and returns them typed', () => {
    expect(
      validators['actions:kill']({
        flag: 'payments.checkout.new_flow',
        env: 'production',
        reason: 'error spike after ramp',
      }),
    ).toEqual({
      ok: true,
      args: { flag: 'payments.checkout.new_flow', env: 'production', reason: 'error spike after ramp' },
    });
    expect(validators['correlation:rank']({ at: '2026-11-25T03:12:45.123Z', service: 'payments' }).ok).toBe(true);
    expect(validators['correlation:rank']({ incidentId: 'inc_1', limit: 3 }).ok).toBe(true);
  });

  it.each([
    ['actions:kill', { flag: 'payments.checkout.new_flow', env: 'production', reason: 'short' }, 'reason'],
    ['actions:kill', { flag: 'NOT A KEY', env: 'production', reason: 'error spike after ramp' }, 'flag key'],
    [
      'actions:kill',
      { flag: 'a.b', env: 'production', reason: 'error spike after ramp', extra: 1 },
      'not a known field',
    ],
    ['ledger:entry', { idx: -1 }, 'whole number'],
    ['ledger:entry', { idx: 1.5 }, 'whole number'],
    ['ledger:query', { filter: {}, offset: 0, limit: 100000, order: 'asc' }, 'from 1 to 1000'],
    ['changeRequests:approve', { id: 'cr_1', payloadHash: 'ABC' }, 'hex hash'],
    ['breakGlass:issue', { justification: 'too short', flags: [], envs: [], ttlMinutes: 30 }, '20 characters'],
    ['breakGlass:issue', { justification: 'x'.repeat(25), flags: [], envs: [], ttlMinutes: 241 }, 'from 1 to 240'],
    ['correlation:rank', { at: 'yesterday' }, 'RFC 3339'],
    ['profiles:add', { name: 'x', url: 'file:///etc/passwd', environment: 'production', token: 't' }, 'http(s) URL'],
    ['app:info', { sneaky: true }, 'no arguments'],
    ['ledger:query', 'DROP TABLE', 'object'],
  ] as const)('%s rejects %j with E_INVALID_ARGUMENT', (channel, args, words) => {
    const r = validators[channel](args);
    expect(codeOf(r)).toBe('E_INVALID_ARGUMENT');
    if (!r.ok) expect(r.error.message).toContain(words);
  });

  it('counts visible characters for reasons and justifications, as the control plane does', () => {
    const kill = (reason: string) => validators['actions:kill']({ flag: 'a.b.c', env: 'production', reason });
    for (const reason of [' '.repeat(10), '\u200b'.repeat(12), '\u00a0\u3000\t\n'.repeat(5), '  abc  def  ']) {
      const r = kill(reason);
      expect(codeOf(r)).toBe('E_INVALID_ARGUMENT');
    }
    const r = kill('   abc   ');
    expect(r.ok ? '' : r.error.message).toBe(
      'The request was refused and nothing changed: arguments.reason must be a reason of at least 10 characters: ' +
        '7 more visible characters needed (spaces and invisible characters do not count).',
    );
    expect(kill(' error spike ').ok).toBe(true);
    expect(codeOf(validators['changeRequests:reject']({ id: 'cr-1', reason: '\ufeff'.repeat(40) }))).toBe(
      'E_INVALID_ARGUMENT',
    );
    expect(codeOf(validators['replica:quarantine']({ reason: ' '.repeat(30) }))).toBe('E_INVALID_ARGUMENT');
    const issue = (justification: string) =>
      validators['breakGlass:issue']({ justification, flags: ['a.b.c'], envs: ['production'], ttlMinutes: 30 });
    expect(codeOf(issue(`${' '.repeat(30)}x`))).toBe('E_INVALID_ARGUMENT');
    expect(issue('checkout failing for all EU customers').ok).toBe(true);
  });
});
