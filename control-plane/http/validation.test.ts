import { describe, expect, it } from 'vitest';
import { arr, int, obj, optional, SchemaError, str } from '../../shared/validation/schema.ts';
import { DomainError } from '../domain/errors.ts';
import { parseWith } from './body.ts';
import { errorResponse, HTTP_STATUS } from './errors.ts';

describe('validation', () => {
  const schema = obj({ name: str({ min: 2 }), count: optional(int(0, 5)), tags: optional(arr(str(), 2)) });

  it('returns typed values and omits absent optionals', () => {
    expect(parseWith(schema, { name: 'ok', count: 3 })).toEqual({ name: 'ok', count: 3 });
  });

  it.each([
    [{ name: 'ok', extra: 1 }, 'UNKNOWN_FIELD', 'body.extra'],
    [{ name: 'x' }, 'INVALID_BODY', 'body.name'],
    [{ count: 1 }, 'INVALID_BODY', 'body.name'],
    [{ name: 'ok', count: 1.5 }, 'INVALID_BODY', 'body.count'],
    [{ name: 'ok', tags: ['a', 'b', 'c'] }, 'INVALID_BODY', 'body.tags'],
    [[], 'INVALID_BODY', 'body'],
  ])('rejects %j with %s at %s', (input, errCode, field) => {
    try {
      parseWith(schema, input);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SchemaError);
      expect((err as SchemaError).field).toBe(field);
      const { status, code, body } = errorResponse(err);
      expect([status, code, body.error.field]).toEqual([400, errCode, field]);
    }
  });
});

describe('error responses', () => {
  it('maps a domain error to the status of its code, with its details', () => {
    const r = errorResponse(
      new DomainError('STALE_PAYLOAD_HASH', 'the payload changed', { current_payload_hash: 'ab' }),
    );
    expect(r).toEqual({
      status: 409,
      code: 'STALE_PAYLOAD_HASH',
      body: { error: { code: 'STALE_PAYLOAD_HASH', message: 'the payload changed', current_payload_hash: 'ab' } },
    });
  });

  it('maps database trigger messages and anything unknown', () => {
    expect(errorResponse(new Error('SELF_APPROVAL: trigger fired')).status).toBe(403);
    expect(errorResponse(new Error('KEY_TOMBSTONED: trigger fired')).code).toBe('KEY_TOMBSTONED');
    expect(errorResponse(new TypeError('x is undefined'))).toMatchObject({ status: 500, code: 'INTERNAL' });
  });

  it('has a status for every code: 4xx refusals, 5xx failures', () => {
    for (const [code, status] of Object.entries(HTTP_STATUS)) {
      expect([code, status >= 400 && status < 600]).toEqual([code, true]);
    }
  });
});
