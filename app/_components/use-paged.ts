"use client";
/**
 * The state of a filtered, cursor-paged admin list (users, audit events): the rows so far
 * (null while the first page loads), whether there is a next page, and the message. `search`
 * starts over with a new filter; `more` appends the next page under the current one.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiResult } from "@/lib/client/client";
import type { Message } from "./field";
import { describeError } from "./api-error";

export interface Page<Row> {
  readonly rows: readonly Row[];
  readonly nextCursor: string | null;
}

export function usePaged<Filter extends object, Row>(
  fetchPage: (filter: Filter, cursor: string | null) => Promise<ApiResult<Page<Row>>>,
  initialFilter: Filter,
): {
  rows: readonly Row[] | null;
  hasMore: boolean;
  message: Message | null;
  search: (filter: Filter) => void;
  more: () => void;
} {
  const [filter, setFilter] = useState<Filter>(initialFilter);
  const [rows, setRows] = useState<readonly Row[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback(async (current: Filter, after: string | null) => {
    const result = await fetchRef.current(current, after);
    if (!result.ok) return setMessage({ text: describeError(result.error), tone: "error" });
    setMessage(null);
    setRows((prev) => [...(after && prev ? prev : []), ...result.value.rows]);
    setCursor(result.value.nextCursor);
  }, []);

  // the first page, once, with the filter the list starts from
  const first = useRef(initialFilter);
  useEffect(() => {
    void load(first.current, null);
  }, [load]);

  return {
    rows,
    hasMore: cursor !== null,
    message,
    search: (next) => {
      setFilter(next);
      void load(next, null);
    },
    more: () => void load(filter, cursor),
  };
}
