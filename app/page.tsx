import { getSession } from "@/app/_lib/session";
import { PAGES } from "@/lib/http/pages";

export const dynamic = "force-dynamic";

export default async function Home({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const current = await getSession();
  const deleted = (await searchParams).deleted === "1" && !current;
  return (
    <main id="main">
      {deleted && (
        <p className="notice notice-success" role="status">
          Your account was deleted.
        </p>
      )}
      <section className="hero">
        <h1>Portcullis</h1>
        <p className="lead">Sign-in, sessions and two-step verification for Next.js sites, as route handlers on Postgres.</p>
        {current ? (
          <>
            <p>
              Signed in as <strong>{current.user.email}</strong>.
            </p>
            <div className="actions">
              <a className="button" href={PAGES.account}>
                Your account
              </a>
              <a className="button secondary" href={PAGES.accountSecurity}>
                Security
              </a>
            </div>
          </>
        ) : (
          <div className="actions">
            <a className="button" href={PAGES.signIn}>
              Sign in
            </a>
            <a className="button secondary" href={PAGES.signUp}>
              Create an account
            </a>
          </div>
        )}
      </section>
      <div className="grid">
        <section className="card">
          <h2>Your account</h2>
          <p>
            Name, email address, password, and deleting the account: <a href={PAGES.account}>account</a>.
          </p>
        </section>
        <section className="card">
          <h2>Security</h2>
          <p>
            Where you are signed in, two-step verification and trusted devices: <a href={PAGES.accountSecurity}>security</a>.
          </p>
        </section>
        <section className="card">
          <h2>For developers</h2>
          <p>
            The JSON API is under <code>/api/auth</code>; these pages use its typed browser client, <code>lib/client</code>.
          </p>
        </section>
      </div>
    </main>
  );
}
