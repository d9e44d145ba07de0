/** The keyboard shortcut help (?), listing every shortcut. */
import { DialogFrame } from '../../ui/dialog-frame.tsx';
import { useApp } from '../../store-context.tsx';
import { SHORTCUTS } from './shortcuts.ts';

/** Renders nothing unless the help overlay is open. */
export function HelpOverlay() {
  const open = useApp((s) => s.overlay === 'help');
  const setOverlay = useApp((s) => s.setOverlay);
  if (!open) return null;
  return (
    <DialogFrame title="Keyboard shortcuts" onClose={() => setOverlay(null)} testId="help-overlay">
      <table className="shortcuts">
        <thead>
          <tr>
            <th scope="col">Keys</th>
            <th scope="col">Does</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.keys}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </DialogFrame>
  );
}
