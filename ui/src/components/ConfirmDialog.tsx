import { useEffect, useId, useRef } from "react";

/**
 * A question before something final: a modal dialog (focus kept inside, Esc answers "no") whose
 * safe answer has the focus, so Enter pressed by habit changes nothing.
 */
export function ConfirmDialog({
  title,
  text,
  confirm,
  cancel,
  onConfirm,
  onCancel,
  testId,
}: {
  title: string;
  text: string;
  confirm: string;
  cancel: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const safe = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    // jsdom has no showModal; browsers (WebKitGTK, Chromium) do.
    if (dialog && !dialog.open && typeof dialog.showModal === "function") dialog.showModal();
    // showModal focuses the first button; the safe answer takes it.
    safe.current?.focus();
    return () => {
      if (dialog?.open) dialog.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      data-testid={testId}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <p id={`${id}-text`}>{text}</p>
      <div className="confirm-actions">
        <button type="button" className="danger" onClick={onConfirm} data-testid="confirm-yes">
          {confirm}
        </button>
        <button type="button" className="secondary" ref={safe} onClick={onCancel} data-testid="confirm-no">
          {cancel}
        </button>
      </div>
    </dialog>
  );
}
