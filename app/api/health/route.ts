import { route } from "@/app/_lib/handler";
import { json, fail } from "@/lib/http/response";
import { migrationStatus } from "@/lib/db/migrate";

/** 200 with the driver and migration state when the database answers and nothing is pending; 503 otherwise. */
export const GET = route(async (_request, ctx) => {
  const status = await migrationStatus(ctx.db);
  const body = {
    driver: ctx.db.driver,
    migrations: { applied: status.applied.length, pending: status.pending.map((m) => m.file) },
  };
  if (status.pending.length > 0)
    return json(
      {
        ...body,
        status: "migrations_pending",
        error: { code: "database_unavailable", message: "Migrations are pending: run npm run db:migrate." },
      },
      { status: 503 },
    );
  if (status.applied.some((a) => !a.checksumMatches)) return json({ ...body, status: "checksum_mismatch" }, { status: 503 });
  return json({ ...body, status: "ok" });
});

export const POST = route(async () => fail("method_not_allowed", { headers: { Allow: "GET, HEAD, OPTIONS" } }));
