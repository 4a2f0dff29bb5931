// This site's own (empty) instrumentation hook: without one, Next.js picks up the repository
// root's instrumentation.ts (Portcullis's boot check), which refuses to start this site.
export function register(): void {}
