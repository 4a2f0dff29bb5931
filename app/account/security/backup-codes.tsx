"use client";
import { useEffect, useState } from "react";

/** Backup codes, shown this once: a list, a copy button and a text-file download. */
export function BackupCodesView({ codes, onDone }: { codes: readonly string[]; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const [href, setHref] = useState<string | null>(null);
  const text = `Portcullis backup codes (each works once)\n\n${codes.join("\n")}\n`;

  useEffect(() => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [text]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Copying is not allowed here: select the codes and copy them, or download them.");
    }
  }

  return (
    <div>
      <h3>Backup codes</h3>
      <p>Each code signs you in once when you do not have your authenticator. Keep them somewhere safe.</p>
      <ul className="codes" aria-label="Backup codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" className="secondary" onClick={copy}>
          Copy codes
        </button>
        {href && (
          <a className="button secondary" href={href} download="portcullis-backup-codes.txt">
            Download codes
          </a>
        )}
        <button type="button" onClick={onDone}>
          I have saved them
        </button>
      </div>
      <p role="status" className="small muted">
        {copied}
      </p>
    </div>
  );
}
