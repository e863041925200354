/**
 * The search box in the window's toolbar: "/" or Ctrl+K (⌘K) focuses it
 * (the window's shortcuts, features/help/Shortcuts.tsx, focus the first
 * search field, which is this one), Enter goes to #/search?q=…, Esc leaves it. On the search view it shows the
 * query being looked at.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { navigate, useRoute } from '../../store/route.js';
import './search.css';

export function SearchBox() {
  const route = useRoute();
  const routeQuery = route.view === 'search' ? (route.params.q ?? '') : '';
  const [draft, setDraft] = useState(routeQuery);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => setDraft(routeQuery), [routeQuery]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q = draft.trim();
    if (!q) return;
    // A new query keeps the filters chosen on the search view, and starts at its first page.
    const keep = route.view === 'search' ? { ...route.params } : {};
    for (const k of ['p', 'tab', 'page', 'find']) delete keep[k];
    navigate({ view: 'search', params: { ...keep, q } });
  };

  return (
    <form className="search-box" role="search" aria-label="Search extracted text" onSubmit={submit}>
      <input
        ref={input}
        type="search"
        aria-label="Search"
        placeholder="Search extracted text"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setDraft(routeQuery);
            input.current?.blur();
          }
        }}
      />
      <kbd className="search-hint" aria-hidden="true">
        /
      </kbd>
    </form>
  );
}
