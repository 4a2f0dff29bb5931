/**
 * `auth.ts` at the site's root: Auth.js (next-auth v5) with Portcullis as a generic OpenID Connect
 * provider. tests/second-site/auth.ts is this configuration, signed in and out of in Chromium.
 */
import NextAuth from "next-auth";

declare module "next-auth" {
  interface Session {
    /** Portcullis's ID token, sent back as id_token_hint to sign out of Portcullis too. */
    idToken?: string;
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  providers: [
    {
      id: "portcullis",
      name: "Portcullis",
      type: "oidc",
      issuer: process.env.PORTCULLIS_ISSUER, // e.g. https://auth.example.com (Portcullis's APP_URL)
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
      return { ...session, idToken: typeof token.idToken === "string" ? token.idToken : undefined };
    },
  },
});
