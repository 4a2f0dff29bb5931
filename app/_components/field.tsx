/**
 * A labelled input with its hint and its error tied to it (aria-describedby, aria-invalid),
 * after the GOV.UK and shadcn/ui form anatomy. The label never disappears.
 */
import type { InputHTMLAttributes } from "react";

export interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  readonly id: string;
  readonly label: string;
  readonly hint?: string;
  readonly error?: string | null;
}

export function Field({ id, label, hint, error, name, ...input }: FieldProps) {
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      <input id={id} name={name ?? id} aria-invalid={error ? true : undefined} aria-describedby={describedBy || undefined} {...input} />
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

export type Tone = "error" | "success" | "info";

export interface Message {
  readonly text: string;
  readonly tone: Tone;
}

/** A polite live region, always in the page so that a new message is announced. */
export function LiveMessage({ message }: { message: Message | null }) {
  return (
    <div role="status" aria-live="polite" aria-atomic="true" className={message ? `notice notice-${message.tone}` : undefined}>
      {message?.text}
    </div>
  );
}
