import { useState } from 'react';
import { platform } from '../../platform/index.js';
import { notificationsEnabled, setNotificationsEnabled } from '../../platform/notify-pref.js';

/** The setting that turns off the notification raised when a batch finishes. */
export function NotifyToggle() {
  const [on, setOn] = useState(notificationsEnabled);
  // Only the browser asks the page's permission; the desktop app's notifications are main's.
  const blocked = platform().kind === 'browser' && typeof Notification !== 'undefined' && Notification.permission === 'denied';
  return (
    <label className="setting-check">
      <input
        type="checkbox"
        checked={on}
        onChange={(e) => {
          setNotificationsEnabled(e.target.checked);
          setOn(e.target.checked);
        }}
      />
      Notify me when a batch finishes (while the window is in the background)
      {blocked && on ? <span className="hint"> — the browser blocks notifications for this page; allow them in its site settings.</span> : null}
    </label>
  );
}
