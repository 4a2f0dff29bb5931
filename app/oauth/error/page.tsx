import type { Metadata } from "next";
import { connection } from "next/server";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Sign-in request not accepted · Portcullis", referrer: "no-referrer", robots: { index: false } };

const MESSAGES: Record<string, string> = {
  invalid_client: "The site that sent you here is not registered, or has been disabled.",
  invalid_redirect_uri: "The site asked to send you back to an address it has not registered, so you were not sent there.",
  invalid_request: "The sign-in request was malformed.",
  too_many_requests: "Too many sign-in requests came from your network. Wait a few minutes and try again.",
  invalid_id_token_hint: "The sign-out request could not be verified, so nothing was signed out.",
  invalid_post_logout_redirect_uri:
    "The site asked to send you to an address it has not registered after signing out, so you were not sent there.",
};

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** An authorization or sign-out request that cannot safely be sent back to the site. */
export default async function OAuthErrorPage({ searchParams }: { searchParams: SearchParams }) {
  await connection();
  const error = (await searchParams).error;
  const code = typeof error === "string" && error in MESSAGES ? error : "invalid_request";
  return (
    <main>
      <h1>This request was not accepted</h1>
      <p>{MESSAGES[code]}</p>
      <p>
        Error code: <code>{code}</code>
      </p>
      <p>
        <a href={PAGES.home}>Go to the start page</a>
      </p>
    </main>
  );
}
