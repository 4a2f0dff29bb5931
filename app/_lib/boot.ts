/**
 * The Node.js server's boot check (instrumentation.ts): reads the configuration once before the
 * first request. Next.js 16 only logs an error thrown by `register` ("Failed to prepare
 * server") and keeps listening, answering every request with an error; a production server with
 * an invalid configuration must not run at all, so this logs the message (which names the
 * variable) and exits with status 1.
 */
import { config } from "@/lib/config";

export function checkConfigurationAtBoot(): void {
  try {
    config();
  } catch (error) {
    console.error(`[portcullis] refusing to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
