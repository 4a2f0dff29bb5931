/** Where to send the browser to sign out of Portcullis too (RP-initiated logout), after Auth.js's own sign-out. */
export function portcullisLogoutUrl(idToken: string, postLogoutRedirectUri: string): string {
  const url = new URL(`${process.env.PORTCULLIS_ISSUER}/api/oauth/end-session`);
  url.searchParams.set("id_token_hint", idToken);
  url.searchParams.set("post_logout_redirect_uri", postLogoutRedirectUri); // registered with --post-logout-uri
  return url.toString();
}
