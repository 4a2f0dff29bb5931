import { redirect } from "next/navigation";
import type { Session } from "next-auth";
import { auth, portcullisLogoutUrl, signIn, signOut } from "../auth";

export const dynamic = "force-dynamic";

export default async function Home() {
  const session = (await auth()) as (Session & { idToken?: string }) | null;
  if (!session?.user) {
    return (
      <main>
        <h1>Example site</h1>
        <p>Not signed in.</p>
        <form
          action={async () => {
            "use server";
            await signIn("portcullis", { redirectTo: "/" });
          }}
        >
          <button type="submit">Sign in with Portcullis</button>
        </form>
      </main>
    );
  }
  return (
    <main>
      <h1>Example site</h1>
      <p>Signed in as {session.user.email}</p>
      <form
        action={async () => {
          "use server";
          const idToken = session.idToken;
          await signOut({ redirect: false });
          redirect(idToken ? portcullisLogoutUrl(idToken, `${process.env.SITE_URL}/`) : "/");
        }}
      >
        <button type="submit">Sign out</button>
      </form>
    </main>
  );
}
