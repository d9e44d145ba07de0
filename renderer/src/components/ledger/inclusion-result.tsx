/** The result of an inclusion-proof check against the verified root. */
import type { InclusionCheck } from '../../../../shared/ipc/contract.ts';

/** Shows ok/failed with tree size, root and the proof path. */
export function InclusionResult({ check }: { check: InclusionCheck }) {
  return (
    <div
      className={check.ok ? 'inclusion ok' : 'inclusion failed'}
      data-testid="inclusion-result"
      data-ok={check.ok}
      role="status"
    >
      <p>
        {check.ok
          ? `✓ Entry #${check.idx} is included in the verified tree of size ${check.treeSize.toLocaleString('en-US')}.`
          : `✗ Inclusion proof for #${check.idx} failed${check.code ? ` (${check.code})` : ''} against the tree of size ${check.treeSize.toLocaleString('en-US')}.`}
      </p>
      <p className="hash">
        root <code>{check.rootHex}</code>
      </p>
      <details>
        <summary>Proof path ({check.proofHex.length} hashes)</summary>
        <ol className="hash">
          {check.proofHex.map((h, i) => (
            <li key={i}>
              <code>{h}</code>
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}
