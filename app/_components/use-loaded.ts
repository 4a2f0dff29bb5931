"use client";
/**
 * The state every account-security panel keeps: what the API listed (null while loading), the
 * message in the panel's live region, and actions that show their outcome and load the list
 * again. A failed load shows the API's message unless `onLoadError` handles it (the sessions
 * panel sends an ended session to sign in).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiError, ApiResult } from "@/lib/client/client";
import type { Message } from "./field";
import { describeError } from "./api-error";

export interface Loaded<T> {
  readonly data: T | null;
  readonly message: Message | null;
  readonly setMessage: (message: Message | null) => void;
  readonly reload: () => Promise<void>;
  /**
   * Runs an API call, shows `success` (or the API's error) and loads the list again; returns
   * the call's result for anything else the caller does with it.
   */
  readonly act: <R>(call: () => Promise<ApiResult<R>>, success: string | ((value: R) => string)) => Promise<ApiResult<R>>;
}

/** `select` picks the list out of the API's answer (e.g. `(v) => v.devices`). */
export function useLoaded<R, T>(
  load: () => Promise<ApiResult<R>>,
  select: (value: R) => T,
  options: { initialMessage?: Message | null; onLoadError?: (error: ApiError) => boolean } = {},
): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [message, setMessage] = useState<Message | null>(options.initialMessage ?? null);
  const latest = useRef({ load, select, onLoadError: options.onLoadError });
  latest.current = { load, select, onLoadError: options.onLoadError };

  const reload = useCallback(async () => {
    const result = await latest.current.load();
    if (result.ok) setData(latest.current.select(result.value));
    else if (!latest.current.onLoadError?.(result.error)) setMessage({ text: describeError(result.error), tone: "error" });
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  async function act<R>(call: () => Promise<ApiResult<R>>, success: string | ((value: R) => string)): Promise<ApiResult<R>> {
    const result = await call();
    setMessage(
      result.ok
        ? { text: typeof success === "string" ? success : success(result.value), tone: "success" }
        : { text: describeError(result.error), tone: "error" },
    );
    await reload();
    return result;
  }

  return { data, message, setMessage, reload, act };
}
