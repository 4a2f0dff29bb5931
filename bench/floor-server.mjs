// The bare-Node floor for `npm run bench:sessions`: a plain node:http server that answers every
// request with one pg primary-key SELECT on sessions (the id part of the session cookie), the
// same statement, pool size and JSON body as the Next.js floor route (app/api/test/floor). It is
// what a session check costs with no framework at all. Plain JS, spawned by bench/sessions.ts in
// its own process so that its CPU time can be read from /proc apart from the load generator's.
//
// Environment: FLOOR_DATABASE_URL, FLOOR_PORT, FLOOR_POOL_MAX (default 10, as DB_POOL_MAX).
import { createServer } from "node:http";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.FLOOR_DATABASE_URL, max: Number(process.env.FLOOR_POOL_MAX ?? 10) });
pool.on("error", () => undefined);

const COOKIE = /(?:^|;\s*)portcullis_session=([A-Za-z0-9_-]+)/;

const server = createServer((req, res) => {
  const id = COOKIE.exec(req.headers.cookie ?? "")?.[1] ?? "";
  pool.query("SELECT id, user_id, last_activity_at FROM sessions WHERE id = $1", [id]).then(
    (result) => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(JSON.stringify({ found: result.rows.length === 1 }));
    },
    () => {
      res.writeHead(503, { "content-type": "application/json; charset=utf-8" });
      res.end('{"error":{"code":"database_unavailable"}}');
    },
  );
});

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.FLOOR_PORT), "127.0.0.1", () => process.send?.("ready"));
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => pool.end().then(() => process.exit(0)));
});
