import type { ReactNode } from "react";

/**
 * A table that may scroll sideways on a narrow screen. A scrollable region must be reachable by keyboard
 * (axe `scrollable-region-focusable`), so the wrapper is a named, focusable region.
 */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region needs focus so keyboard users can scroll it
    <section className="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
