/**
 * Runs once when a Next.js server starts, before it serves a request (Next.js instrumentation
 * `register`): reads the configuration, so an invalid one (a missing production secret, a
 * malformed value) stops the server at boot with a message naming the variable, instead of
 * answering every request with an error.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { config } = await import("./lib/config");
  config();
}
