import { useEffect, useRef, useState } from 'react';
import { isTyping, SHORTCUTS } from '../../lib/shortcuts.js';
import { navigate } from '../../store/route.js';
import { PLACES } from '../shell/places.js';

const OPEN_EVENT = 'quarry:shortcuts';

/** Opens the shortcuts overlay (the toolbar's "?" button). */
export function openShortcuts(): void {
  window.dispatchEvent(new Event(OPEN_EVENT));
}

/** Focuses the search box if one is on screen, else goes to the search place. */
function focusSearch(): void {
  const box = document.querySelector<HTMLInputElement>('input[type="search"]');
  if (box) {
    box.focus();
    box.select();
  } else navigate({ view: 'search' });
}

/**
 * The window-wide keys (`?`, `/`, Ctrl+K, g + a place) and the overlay that
 * lists every shortcut (a native modal <dialog>: Escape closes it).
 */
export function Shortcuts() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [, rerender] = useState(0);

  useEffect(() => {
    let goPending = 0;
    const open = () => {
      rerender((n) => n + 1); // views may have registered their keys since
      if (!dialog.current?.open) dialog.current?.showModal();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTyping(e.target) || (dialog.current?.open && e.key !== '?')) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        focusSearch();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (goPending && Date.now() - goPending < 1500) {
        goPending = 0;
        const place = PLACES.find((p) => p.key === e.key);
        if (place) {
          e.preventDefault();
          navigate({ view: place.view });
        }
        return;
      }
      if (e.key === '?') {
        e.preventDefault();
        if (dialog.current?.open) dialog.current.close();
        else open();
      } else if (e.key === '/') {
        e.preventDefault();
        focusSearch();
      } else if (e.key === 'g') goPending = Date.now();
    };
    window.addEventListener(OPEN_EVENT, open);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener(OPEN_EVENT, open);
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  return (
    <dialog ref={dialog} className="dialog shortcuts-dialog" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      {SHORTCUTS.map((group) => (
        <section key={group.title} aria-label={group.title}>
          <h3>{group.title}</h3>
          <dl className="shortcut-list">
            {group.items.map((s) => (
              <div key={s.keys.join()} className="shortcut">
                <dt>
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && <span className="muted"> or </span>}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </dt>
                <dd>{s.does}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
      <div className="dialog-actions">
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
