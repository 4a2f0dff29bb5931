/**
 * Runs once when a Next.js server starts, before it serves a request (Next.js instrumentation
 * `register`): reads the configuration, so an invalid one (a missing production secret, a
 * malformed value) stops the server at boot, exit status 1, with a message naming the variable
 * (app/_lib/boot.ts), instead of a server that answers every request with an error.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { checkConfigurationAtBoot } = await import("./app/_lib/boot");
  checkConfigurationAtBoot();
}
