/** Report formatting and the TTY progress bar of `verify`. */
import type { VerifyProgress, VerifyReport } from '../ledger/verify-types.ts';

/** The report as the documented JSON object (snake_case, stable field names). */
export function reportJson(r: VerifyReport): Record<string, unknown> {
  return {
    ok: r.ok,
    code: r.code,
    idx: r.idx,
    detail: r.detail,
    verified_size: r.verifiedSize,
    root: r.root,
    origin: r.origin,
    mode: r.mode,
    entries_checked: r.entriesChecked,
    checkpoints_checked: r.checkpointsChecked,
    pending: r.pendingCount,
    high_water_mark: r.highWaterMark,
    trust: r.trust,
    evidence: r.evidence.map((e) => ({
      id: e.id,
      kind: e.kind,
      idx: e.idx,
      detected_at: e.detectedAt,
      detail: e.detail,
    })),
    elapsed_ms: r.elapsedMs,
  };
}

/** The report as text for people. */
export function reportText(r: VerifyReport): string {
  const head = r.ok
    ? `VERIFIED  ${r.origin}`
    : `FAILED  ${r.code ?? ''}${r.idx === null ? '' : ` at idx ${r.idx}`}  (${r.origin})`;
  const trust =
    r.trust === 'external'
      ? 'keys given on the command line'
      : "the replica's own trust store (pass --key to pin keys from outside the file)";
  return [
    head,
    `  ${r.detail}`,
    `  verified size ${r.verifiedSize}, root ${r.root}`,
    `  ${r.entriesChecked} entries and ${r.checkpointsChecked} checkpoint(s) checked (${r.mode}) in ${(r.elapsedMs / 1000).toFixed(2)} s`,
    ...(r.pendingCount > 0
      ? [`  ${r.pendingCount} entries after the verified size are not covered by a checkpoint (not verified)`]
      : []),
    `  trust: ${trust}`,
    `  high-water mark: ${r.highWaterMark}`,
    ...r.evidence.map(
      (e) => `  evidence #${e.id}: ${e.kind}${e.idx === null ? '' : ` at idx ${e.idx}`}, ${e.detectedAt}: ${e.detail}`,
    ),
    '',
  ].join('\n');
}

/** A progress bar on stderr when it is a TTY; nothing otherwise. Redraws at most every 100 ms. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): {
  update(p: VerifyProgress): void;
  done(): void;
} {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (stream.isTTY !== true || p.total === 0 || (now - last < 100 && p.done < p.total)) return;
      last = now;
      const width = 30;
      const filled = Math.round((p.done / p.total) * width);
      stream.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor((p.done / p.total) * 100)}% ${p.done}/${p.total}`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
