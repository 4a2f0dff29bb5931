import { getSession } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

export default async function Home() {
  const current = await getSession();
  return (
    <main>
      <h1>Portcullis</h1>
      <p>Sign-in, sessions and MFA for Next.js sites, as route handlers on Postgres.</p>
      <p>{current ? `Signed in as ${current.user.email}.` : "Not signed in."}</p>
      <p>The API is under <code>/api/auth</code>; see the README for every route.</p>
    </main>
  );
}
