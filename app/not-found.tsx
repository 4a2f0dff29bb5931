import { connection } from "next/server";

/** The 404 page, rendered per request so that it carries the CSP nonce from proxy.ts. */
export default async function NotFound() {
  await connection();
  return (
    <main>
      <h1>Not found</h1>
      <p>There is nothing at this address.</p>
    </main>
  );
}
