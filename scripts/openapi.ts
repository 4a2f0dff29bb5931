/**
 * docs/openapi.json (OpenAPI 3.1.0), built from what the code already says, never by hand:
 *
 *   paths, methods, who may call   lib/http/route-manifest.ts (test hooks under /api/test/ left out)
 *   request bodies, query, path    each route's sibling schema.ts: `body`, `query`, `pathParams`
 *                                  (zod, converted with z.toJSONSchema in "input" mode, draft 2020-12)
 *   summaries                      the doc comment above `export const METHOD` in route.ts
 *   error codes                    lib/errors.ts (the error catalogue)
 *
 * It also checks that the routes keep their inputs where it can read them, and throws (so
 * `npm run docs` and `npm run docs -- --check` fail) when a route.ts imports zod itself, reads a
 * body, a query string or path parameters without a schema.ts exporting the matching schema, or
 * when a schema.ts exports anything else. Written by scripts/docs.ts; served by
 * GET /api/openapi.json (app/api/openapi.json/route.ts); checked by tests/unit/openapi.test.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { errorCatalogue } from "../lib/errors";
import { ROUTES, type RouteEntry } from "../lib/http/route-manifest";
import { SESSION_COOKIE } from "../lib/sessions/sessions";

const ROOT = join(import.meta.dirname, "..");

/** What a route's schema.ts may export, and nothing else. */
export const SCHEMA_EXPORTS = ["body", "query", "pathParams"] as const;
type SchemaModule = Partial<Record<(typeof SCHEMA_EXPORTS)[number], z.ZodType>>;

/** Routes that are not in the document: the test build's hooks and bench routes. */
export function isDocumented(entry: Pick<RouteEntry, "path">): boolean {
  return !entry.path.startsWith("/api/test/");
}

const SUMMARY_MAX = 100;
const BODY_READERS = /\b(readBody|readBodyWithSession|readOptionalBody|adminCommand|parseJson)\(/;
const OPTIONAL_BODY = /\b(readOptionalBody|adminCommand)\(|\bhasBody\b/;
const QUERY_READERS = /\bparseSearchParams\(/;
const FORM_READERS = /\breadForm\(/;
const SESSION_REQUIRED = /\b(readBodyWithSession|requirePermission|adminCommand)\(/;
const SESSION_READ = /\b(authenticate|optionalSession)\(/;

export interface RouteSource {
  readonly dir: string;
  readonly source: string;
  readonly schemas: SchemaModule;
}

function routeDir(path: string): string {
  return join("app", ...path.split("/").filter((s) => s !== ""));
}

/** Every documented route's directory, its route.ts source and its schema.ts exports. */
async function loadRoutes(): Promise<Map<string, RouteSource>> {
  const out = new Map<string, RouteSource>();
  for (const entry of ROUTES.filter(isDocumented)) {
    const dir = routeDir(entry.path);
    if (out.has(dir)) continue;
    const file = join(ROOT, dir, "route.ts");
    const source = existsSync(file) ? readFileSync(file, "utf8") : "";
    const schemaFile = join(ROOT, dir, "schema.ts");
    const schemas = existsSync(schemaFile) ? ((await import(pathToFileURL(schemaFile).href)) as SchemaModule) : {};
    out.set(dir, { dir, source, schemas });
  }
  return out;
}

const routes = await loadRoutes();

/** Problems that make the document wrong or incomplete; empty when every route is readable. */
export function schemaProblems(of: Iterable<RouteSource> = routes.values()): string[] {
  const problems: string[] = [];
  for (const { dir, source, schemas } of of) {
    if (source === "") problems.push(`${dir}/route.ts is in the route manifest but not on disk`);
    const has = (name: string) => name in schemas;
    for (const name of Object.keys(schemas))
      if (!(SCHEMA_EXPORTS as readonly string[]).includes(name))
        problems.push(`${dir}/schema.ts exports ${name} (only body, query, pathParams)`);
    if (/from "zod"/.test(source)) problems.push(`${dir}/route.ts imports zod: move its schemas to ${dir}/schema.ts`);
    if (BODY_READERS.test(source) && !has("body")) problems.push(`${dir}/route.ts reads a JSON body but ${dir}/schema.ts exports no body`);
    if (QUERY_READERS.test(source) && !has("query"))
      problems.push(`${dir}/route.ts reads a query string but ${dir}/schema.ts exports no query`);
    const segments = [...dir.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
    const params = schemas.pathParams instanceof z.ZodObject ? Object.keys(schemas.pathParams.shape) : null;
    if (segments.length > 0 && params === null)
      problems.push(`${dir}: path parameters ${segments.join(", ")} but schema.ts exports no pathParams`);
    if (params !== null && [...params].sort().join() !== [...segments].sort().join())
      problems.push(`${dir}/schema.ts pathParams has ${params.join(", ")}, the path has ${segments.join(", ") || "none"}`);
  }
  return problems;
}

/**
 * JSON Schema has no regex flags: a case-insensitive pattern (UUID_PATTERN's /i) is written with
 * both cases of its letter ranges, so the document accepts what the route accepts.
 */
function caseInsensitive(source: string): string {
  return source.replaceAll("a-f", "a-fA-F").replaceAll("a-z", "a-zA-Z");
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      const checks = (ctx.zodSchema as { _zod: { def: { checks?: { _zod: { def: { pattern?: unknown } } }[] } } })._zod.def.checks ?? [];
      const patterns = checks.map((c) => c._zod.def.pattern).filter((p): p is RegExp => p instanceof RegExp);
      const ignoreCase = patterns.find((p) => p.flags.includes("i"));
      if (ignoreCase && ctx.jsonSchema.pattern === ignoreCase.source) ctx.jsonSchema.pattern = caseInsensitive(ignoreCase.source);
    },
  }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/** The doc comment right above `export const METHOD` (or `export async function METHOD`). */
export function docComment(source: string, method: string): string | null {
  const match = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export (?:const|async function) ${method}\\b`).exec(source);
  if (!match) return null;
  return match[1]!
    .split("\n")
    .map((line) => line.replace(/^\s*\*\s?/, "").trim())
    .filter((line) => line !== "")
    .join(" ");
}

function summaryOf(description: string): string {
  const sentence = /^(.+?\.)(\s|$)/.exec(description)?.[1] ?? description;
  if (sentence.length <= SUMMARY_MAX) return sentence;
  const cut = sentence.slice(0, SUMMARY_MAX - 1);
  return `${cut.slice(0, cut.lastIndexOf(" "))}…`;
}

export function operationId(method: string, path: string): string {
  const words = path
    .split("/")
    .filter((s) => s !== "" && s !== "api")
    .flatMap((s) => (s.startsWith("[") ? ["by", s.slice(1, -1)] : s.split(/[^A-Za-z0-9]+/)))
    .filter((w) => w !== "");
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join("");
}

function tagOf(path: string): string {
  if (path.startsWith("/.well-known/") || path.startsWith("/api/oauth/")) return "openid-connect";
  const segment = path.split("/")[2] ?? "";
  return segment.replace(/\.json$/, "");
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content: the change is made.",
  302: "Found: the browser goes on to Location.",
  303: "See Other: the browser goes on to Location (a page).",
};

function securityOf(entry: RouteEntry, source: string): Record<string, string[]>[] {
  const session: Record<string, string[]>[] = [{ sessionCookie: [] }, { sessionBearer: [] }];
  if (entry.path.startsWith("/api/cron/")) return [{ cronSecret: [] }];
  if (entry.path === "/api/oauth/userinfo") return [{ accessToken: [] }];
  if (entry.path === "/api/oauth/token" || entry.path === "/api/oauth/revoke") return [{ clientBasic: [] }, {}];
  if (entry.expect.anonymous === 401 || SESSION_REQUIRED.test(source)) return session;
  if (SESSION_READ.test(source)) return [{}, ...session];
  return [];
}

function operation(entry: RouteEntry, route: RouteSource): Record<string, unknown> {
  const description = docComment(route.source, entry.method);
  const op: Record<string, unknown> = { operationId: operationId(entry.method, entry.path), tags: [tagOf(entry.path)] };
  if (description) {
    op.summary = summaryOf(description);
    if (description !== op.summary) op.description = description;
  }
  const notes: string[] = [];
  if (entry.permission) notes.push(`Needs the \`${entry.permission}\` permission.`);
  if (entry.reauth) notes.push("Needs a recent re-authentication (403 `reauth_required`).");
  if (entry.csrf ?? entry.mutates) notes.push("Same-origin only: a cross-site request gets 403 `cross_site_request`.");
  if (notes.length > 0) op.description = [op.description ?? op.summary ?? "", ...notes].filter((s) => s !== "").join("\n\n");
  if (entry.permission) op["x-permission"] = entry.permission;
  if (entry.reauth) op["x-reauth"] = true;

  const parameters: Record<string, unknown>[] = [];
  const { pathParams, query, body } = route.schemas;
  if (pathParams instanceof z.ZodObject)
    for (const [name, schema] of Object.entries(pathParams.shape as Record<string, z.ZodType>))
      parameters.push({ name, in: "path", required: true, schema: jsonSchema(schema) });
  if (query && entry.method === "GET") {
    const object = jsonSchema(query) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, schema] of Object.entries(object.properties ?? {}))
      parameters.push({ name, in: "query", required: object.required?.includes(name) ?? false, schema });
  }
  if (parameters.length > 0) op.parameters = parameters;

  if (body && ["POST", "PUT", "PATCH"].includes(entry.method)) {
    op.requestBody = { required: !OPTIONAL_BODY.test(route.source), content: { "application/json": { schema: jsonSchema(body) } } };
  } else if (FORM_READERS.test(route.source) && entry.method === "POST") {
    op.requestBody = {
      required: true,
      description: "The OAuth 2.0 parameters of this endpoint (RFC 6749, RFC 7009, OpenID Connect Core); see docs/oidc.md.",
      content: { "application/x-www-form-urlencoded": { schema: { type: "object", additionalProperties: { type: "string" } } } },
    };
  }

  op.security = securityOf(entry, route.source);
  op.responses = responsesOf(entry);
  return op;
}

function responsesOf(entry: RouteEntry): Record<string, unknown> {
  const error = { $ref: "#/components/responses/Error" };
  const success = entry.success ?? 200;
  const responses: Record<string, unknown> = {};
  if (success >= 400) responses[String(success)] = error;
  else if (success === 204) responses["204"] = { description: STATUS_TEXT[204] };
  else if (success === 302 || success === 303)
    responses[String(success)] = { description: STATUS_TEXT[success], headers: { Location: { schema: { type: "string" } } } };
  else
    responses[String(success)] = {
      description: STATUS_TEXT[success] ?? "Success",
      content: { "application/json": { schema: { type: "object" } } },
    };
  if (entry.expect.anonymous === 401) responses["401"] = error;
  if (entry.permission || entry.reauth) responses["403"] = error;
  responses["4XX"] = error;
  responses["5XX"] = error;
  return responses;
}

function errorComponents(): Record<string, unknown> {
  const codes = Object.keys(errorCatalogue);
  return {
    schemas: {
      ErrorCode: {
        type: "string",
        enum: codes,
        description: "A stable error code (docs/errors.md): added, never renamed. `x-status` gives each code's HTTP status.",
        "x-status": Object.fromEntries(Object.entries(errorCatalogue).map(([code, [status]]) => [code, status])),
      },
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: { $ref: "#/components/schemas/ErrorCode" },
              message: { type: "string" },
              requestId: { type: "string", description: "On a 500: the id of the logged cause (also in X-Request-Id)." },
              details: {
                type: "array",
                description: "On 400 invalid_request: the fields zod refused (paths and issue codes, never the values).",
                items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } },
              },
            },
          },
        },
      },
    },
    responses: {
      Error: {
        description: 'An error: `{ "error": { "code", "message" } }`, the status from lib/errors.ts.',
        headers: {
          "Retry-After": { description: "On 429 and 503: seconds to wait.", schema: { type: "integer" } },
          "X-Request-Id": { description: "The request's id (in the server log).", schema: { type: "string" } },
        },
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    },
  };
}

const SECURITY_SCHEMES = {
  sessionCookie: {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: `The session cookie (id.secret), named \`__Host-${SESSION_COOKIE}\` when served over HTTPS.`,
  },
  sessionBearer: { type: "http", scheme: "bearer", description: "The same session token (id.secret) as `Authorization: Bearer`." },
  accessToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An OpenID Connect access token." },
  cronSecret: { type: "http", scheme: "bearer", description: "`Authorization: Bearer $CRON_SECRET` (Vercel Cron)." },
  clientBasic: { type: "http", scheme: "basic", description: "An OpenID Connect client's id and secret (or in the form body)." },
};

export function openapiDocument(): Record<string, unknown> {
  const problems = schemaProblems();
  if (problems.length > 0) throw new Error(`docs/openapi.json cannot be generated:\n  ${problems.join("\n  ")}`);
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string; description: string };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const entry of ROUTES.filter(isDocumented)) {
    const key = entry.path.replace(/\[([^\]]+)\]/g, "{$1}");
    paths[key] ??= {};
    paths[key][entry.method.toLowerCase()] = operation(entry, routes.get(routeDir(entry.path))!);
  }
  return {
    openapi: "3.1.0",
    info: { title: pkg.name, version: pkg.version, description: pkg.description, license: { name: "MIT", identifier: "MIT" } },
    servers: [{ url: "/" }],
    paths,
    components: { ...errorComponents(), securitySchemes: SECURITY_SCHEMES },
  };
}

export function openapiDoc(): string {
  return `${JSON.stringify(openapiDocument(), null, 2)}\n`;
}
