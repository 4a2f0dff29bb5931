/** Reading the session in a server component of Portcullis's own app (a route handler reads it the same way). */
import { getSession } from "@/app/_lib/session";

export default async function Page() {
  const current = await getSession();
  return <p>{current ? `Signed in as ${current.user.email}` : "Not signed in"}</p>;
}
