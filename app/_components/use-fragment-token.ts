"use client";
import { useEffect, useState } from "react";
import { takeFragmentToken } from "@/app/_lib/fragment-token";

/**
 * The #token= of an emailed link: taken once at load (and removed from the address bar), and
 * again whenever a new link is pasted into the open tab (hashchange, no reload). undefined
 * until the page's script ran; null when there is none.
 */
export function useFragmentToken(): [string | null | undefined, (token: string | null) => void] {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    setToken(takeFragmentToken());
    const onHashChange = () => {
      const next = takeFragmentToken();
      if (next) setToken(next);
    };
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);
  return [token, setToken];
}
