import { useId, useState } from 'react';
import type { Job } from '../../../shared/job.js';
import { useJobs } from '../../store/context.js';

/** Whether a password can open this failed file: its extractor said so (shared/extraction.ts PasswordNeed). */
export function passwordHelps(job: Job): boolean {
  const need = job.errorDetails?.password;
  return job.status === 'failed' && job.errorCode === 'encrypted' && (need === 'required' || need === 'incorrect');
}

/**
 * The app's place for a password (the CLI's `--password`): on a failed
 * encrypted file's Error tab, a password field and "Retry with password".
 * The file is queued again with the password in its options, as the CLI
 * stores it; the field is cleared once it is sent.
 */
export function PasswordRetry({ job }: { job: Job }) {
  const retryWithPassword = useJobs((s) => s.retryWithPassword);
  const [password, setPassword] = useState('');
  const [sending, setSending] = useState(false);
  const field = useId();
  const wrong = job.errorDetails?.password === 'incorrect';
  return (
    <form
      className="password-retry"
      aria-label="Retry with password"
      onSubmit={(e) => {
        e.preventDefault();
        if (!password || sending) return;
        setSending(true);
        void retryWithPassword(job.id, password).then((ok) => {
          setSending(false);
          if (ok) setPassword('');
        });
      }}
    >
      <label htmlFor={field}>{wrong ? 'The password given does not open it. Another password' : 'This file is encrypted. Its password'}</label>
      <input id={field} type="password" autoComplete="off" maxLength={1024} value={password} onChange={(e) => setPassword(e.target.value)} />
      <button type="submit" className="primary" disabled={!password || sending}>
        Retry with password
      </button>
    </form>
  );
}
