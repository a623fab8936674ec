// The keyboard shortcuts help: a modal <dialog> (focus kept inside, Escape closes), loaded on first use.

import { useEffect, useRef } from 'preact/hooks';
import { SHORTCUTS } from './shortcuts.js';

const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

/** Lists every shortcut; `onClose` runs when the dialog closes (button, Escape). */
export function ShortcutsDialog({ onClose }: { onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} class="shortcuts" aria-labelledby="shortcuts-title" onClose={onClose}>
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.does}>
              <th scope="row">{s.does}</th>
              <td>
                {s.keys.map((k, i) => (
                  <>
                    {i > 0 && ' + '}
                    <kbd>{k === 'Ctrl' && isMac ? '⌘' : k}</kbd>
                  </>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="dialog-actions">
        <button type="button" class="primary" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
