/**
 * Asks before a destructive action, with the exact count: a modal <dialog>
 * (focus moves into it and is trapped there, Esc cancels, focus returns to
 * what opened it), named by its title and described by its message. The
 * safe choice has the focus.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

export interface Confirmation {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  run(): void | Promise<void>;
}

const ConfirmContext = createContext<(c: Confirmation) => void>(() => {});

/** Opens the confirmation dialog; the action runs only if the person confirms. */
export function useConfirm(): (c: Confirmation) => void {
  return useContext(ConfirmContext);
}

export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<Confirmation | null>(null);
  const ask = useCallback((c: Confirmation) => setPending(c), []);
  return (
    <ConfirmContext.Provider value={ask}>
      {children}
      {pending && <ConfirmDialog confirmation={pending} onClose={() => setPending(null)} />}
    </ConfirmContext.Provider>
  );
}

function ConfirmDialog({ confirmation, onClose }: { confirmation: Confirmation; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    cancel.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus?.();
    };
  }, []);
  const confirm = () => {
    onClose();
    void confirmation.run();
  };
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-message"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id="confirm-title">{confirmation.title}</h2>
      <p id="confirm-message">{confirmation.message}</p>
      <div className="confirm-buttons">
        <button type="button" ref={cancel} onClick={onClose}>
          Cancel
        </button>
        <button type="button" className={confirmation.danger ? 'danger primary' : 'primary'} onClick={confirm}>
          {confirmation.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
