import { PAGES } from "@/lib/http/pages";

/** The 403 page (forbidden() from a server component): signed in, but without the permission. */
export default function Forbidden() {
  return (
    <main id="main" className="narrow">
      <h1>You do not have access to this page</h1>
      <p>Your account does not have the permission this page needs. If you think it should, ask an administrator.</p>
      <p>
        <a href={PAGES.account}>Go to your account</a>
      </p>
    </main>
  );
}
