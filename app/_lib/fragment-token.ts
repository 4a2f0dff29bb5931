/**
 * Client side: the token of an emailed link travels in the URL fragment (#token=...), which
 * browsers never send to a server or put in a Referer. The page takes it once, then removes
 * the fragment from the address bar and history, so it is not left behind to be copied,
 * bookmarked or leaked; the token then lives only in memory until it is POSTed.
 */
export function takeFragmentToken(): string | null {
  const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (window.location.hash) window.history.replaceState(null, "", window.location.pathname + window.location.search);
  return token && /^[A-Za-z0-9_-]{16,256}$/.test(token) ? token : null;
}
