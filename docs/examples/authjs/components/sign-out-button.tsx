import { redirect } from "next/navigation";
import { auth, signOut } from "@/auth";
import { portcullisLogoutUrl } from "@/lib/portcullis-logout";

/** Signs out of this site, then of Portcullis. A server component: render it on any page. */
export function SignOutButton() {
  async function signOutEverywhere() {
    "use server";
    const session = await auth();
    await signOut({ redirect: false });
    redirect(session?.idToken ? portcullisLogoutUrl(session.idToken, "https://site.example/") : "/");
  }
  return (
    <form action={signOutEverywhere}>
      <button type="submit">Sign out</button>
    </form>
  );
}
