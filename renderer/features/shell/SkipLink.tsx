import type { MouseEvent } from 'react';
import { navigate } from '../../store/route.js';

/**
 * The first stop of Tab: straight to the job list, past the toolbar and the
 * sidebar. A button-like link (an in-page #anchor would change the route).
 */
export function SkipLink() {
  const skip = (e: MouseEvent) => {
    e.preventDefault();
    navigate({ view: 'jobs' });
    // After the jobs place has rendered.
    requestAnimationFrame(() => {
      const list = document.querySelector<HTMLElement>('[data-skip-target], .jobs-panel');
      if (!list) return;
      if (!list.hasAttribute('tabindex')) list.setAttribute('tabindex', '-1');
      list.focus();
    });
  };
  return (
    <a className="skip-link" href="#/jobs" onClick={skip}>
      Skip to the job list
    </a>
  );
}
