"use client";
import { useState } from "react";
import { auth } from "@/lib/client/client";
import { PAGES } from "@/lib/http/pages";

/** Ends this session and goes home (a full navigation: the server re-reads the cookie). */
export function SignOutButton({ className = "link" }: { className?: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className={className}
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        await auth.signOut();
        window.location.assign(PAGES.home);
      }}
    >
      {busy ? "Signing out…" : "Sign out"}
    </button>
  );
}
