/**
 * Loads .env, .env.local, .env.<mode> and .env.<mode>.local into process.env exactly as Next.js
 * does (same package, same precedence: real environment variables win), so `npm run db:*`,
 * `admin:create` and the other scripts see the database the app would use. Import it first.
 */
import nextEnv from "@next/env";

nextEnv.loadEnvConfig(process.cwd(), process.env.NODE_ENV !== "production", { info: () => {}, error: console.error });
