/**
 * The whole Portcullis integration of this site: Auth.js with Portcullis as a generic OpenID
 * Connect provider (docs/oidc.md, "Add sign-in to your Next.js site", is this file).
 */
import NextAuth from "next-auth";

export const { handlers, auth, signIn, signOut } = NextAuth({
  providers: [
    {
      id: "portcullis",
      name: "Portcullis",
      type: "oidc",
      issuer: process.env.PORTCULLIS_ISSUER,
      clientId: process.env.PORTCULLIS_CLIENT_ID,
      clientSecret: process.env.PORTCULLIS_CLIENT_SECRET,
      authorization: { params: { scope: "openid email profile" } },
      checks: ["pkce", "state", "nonce"],
    },
  ],
  callbacks: {
    // keep the ID token: RP-initiated logout sends it back as id_token_hint
    async jwt({ token, account }) {
      if (account?.id_token) token.idToken = account.id_token;
      return token;
    },
    async session({ session, token }) {
      return { ...session, idToken: token.idToken as string | undefined };
    },
  },
});

/** Where to send the browser to sign out of Portcullis too (RP-initiated logout). */
export function portcullisLogoutUrl(idToken: string, returnTo: string): string {
  const url = new URL(`${process.env.PORTCULLIS_ISSUER}/api/oauth/end-session`);
  url.searchParams.set("id_token_hint", idToken);
  url.searchParams.set("post_logout_redirect_uri", returnTo);
  return url.toString();
}
