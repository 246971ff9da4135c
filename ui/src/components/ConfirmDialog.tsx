import { useEffect, useId, useRef } from "react";

/**
 * A `<dialog>` shown modal while the component is mounted (focus kept inside, the page behind
 * inert), closed when it goes; `onOpen` runs once it is shown.
 */
export function useModal(onOpen?: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    // jsdom has no showModal; browsers (WebKitGTK, Chromium) do.
    if (dialog && !dialog.open && typeof dialog.showModal === "function") dialog.showModal();
    onOpen?.();
    return () => {
      if (dialog?.open) dialog.close();
    };
    // Shown once, when mounted.
  }, []);
  return ref;
}

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
  const safe = useRef<HTMLButtonElement>(null);
  // showModal focuses the first button; the safe answer takes it.
  const ref = useModal(() => safe.current?.focus());
  const id = useId();
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
