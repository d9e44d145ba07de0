/** Authentication of SDK keys in the request pipeline: which routes take them, and the errors when they do not. */
import type { IncomingMessage } from 'node:http';
import type { Sql } from '../db/sql.ts';
import { HttpError } from '../http/errors.ts';
import type { SdkPrincipal } from './keys.ts';
import { looksLikeSdkKey, sdkForKey } from './keys.ts';

/**
 * The SDK a request authenticates as, or null when it carries no SDK key (the caller then authenticates a user
 * token). 401 INVALID_SDK_KEY for an unknown key, 403 SDK_KEY_FORBIDDEN for an SDK key on any other endpoint,
 * 401 SDK_KEY_REQUIRED when an SDK-only endpoint gets no SDK key.
 */
export async function authenticateSdk(
  sql: Sql,
  req: IncomingMessage,
  accepts: 'only' | 'also' | undefined,
): Promise<SdkPrincipal | null> {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (token === undefined || !looksLikeSdkKey(token)) {
    if (accepts === 'only') {
      throw new HttpError(
        'SDK_KEY_REQUIRED',
        'this endpoint is for SDKs: send Authorization: Bearer <SDK key> (an admin makes one with `npm run control-plane -- sdk-key add`)',
      );
    }
    return null;
  }
  const sdk = await sdkForKey(sql, token);
  if (sdk === null) {
    throw new HttpError('INVALID_SDK_KEY', 'the SDK key is unknown or malformed; ask an admin for a new one');
  }
  if (accepts === undefined) {
    throw new HttpError(
      'SDK_KEY_FORBIDDEN',
      'an SDK key only reads its environment (/api/v1/sdk/config, /stream, /flagd), posts acks (/api/v1/sdk/ack) and telemetry; use a user token here',
    );
  }
  return sdk;
}
