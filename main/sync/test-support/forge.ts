/** Validly signed but forged checkpoints, made with the test control plane's own key (read from its data dir). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, signCheckpoint } from '../../../shared/ledger/index.ts';
import { ed25519Signer, sha256 } from '../../ledger/node-crypto.ts';

/** Signs a checkpoint over (origin, size, root) with the data dir's first key (`<origin>/k1`). */
export function forgeCheckpoint(dataDir: string, origin: string, size: number, root: Uint8Array): string {
  const seed = fromHex(readFileSync(join(dataDir, 'keys', 'k1.seed'), 'utf8').trim());
  return signCheckpoint(sha256, { origin, size, root }, [ed25519Signer(`${origin}/k1`, seed)]);
}

/** The SSE frame carrying a checkpoint note. */
export function checkpointFrame(note: string): string {
  return `event: checkpoint\ndata: ${JSON.stringify({ note })}\n\n`;
}

/** Size of the checkpoint carried by a frame, or null for other frames. */
export function checkpointSize(frame: string): number | null {
  if (!frame.startsWith('event: checkpoint\n')) return null;
  const note = (JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as { note: string }).note;
  return Number(note.split('\n')[1]);
}

/** The idx of an entry frame, or null. */
export function entryIdx(frame: string): number | null {
  const m = /^id: (\d+)\nevent: entry\n/.exec(frame);
  return m?.[1] === undefined ? null : Number(m[1]);
}
