/** What each scope lets a site do, in the words the consent page and /account/security use. */
export const SCOPE_TEXT: Readonly<Record<string, string>> = {
  openid: "Know who you are on this site (your account id)",
  profile: "See your name",
  email: "See your email address and whether it is confirmed",
  offline_access: "Stay signed in when you are away (a refresh token)",
};
