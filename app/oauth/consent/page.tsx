import type { Metadata } from "next";
import { connection } from "next/server";
import { redirect } from "next/navigation";
import { config } from "@/lib/config";
import { getDb } from "@/lib/db";
import { getSession } from "@/app/_lib/session";
import { AUTHORIZE_PATH, validateAuthorizationRequest } from "@/lib/oauth/authorize";
import { ConsentForm } from "./consent-form";
import styles from "./consent.module.css";
import { SCOPE_TEXT } from "../scope-text";
import { PAGES } from "@/lib/http/pages";

export const metadata: Metadata = { title: "Allow access · Portcullis", referrer: "no-referrer", robots: { index: false } };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** What a site not marked first-party asks for, with Allow and Deny (the API decides; this page shows). */
export default async function ConsentPage({ searchParams }: { searchParams: SearchParams }) {
  await connection();
  const raw = await searchParams;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(raw)) for (const value of Array.isArray(v) ? v : v === undefined ? [] : [v]) params.append(k, value);
  const query = params.toString();
  const current = await getSession();
  if (!current) redirect(`${PAGES.signIn}?returnTo=${encodeURIComponent(`${AUTHORIZE_PATH}?${query}`)}`);
  const validated = await validateAuthorizationRequest(await getDb(), params, config());
  if (!validated.ok) redirect(`${AUTHORIZE_PATH}?${query}`);
  const { client, scopes, redirectUri } = validated.request;
  return (
    <main className={styles.consent}>
      <h1>Allow {client.name} to sign you in?</h1>
      <p>
        You are signed in as <strong>{current.user.email}</strong>. <strong>{client.name}</strong> ({new URL(redirectUri).origin}) asks to:
      </p>
      <ul className={styles.scopes}>
        {scopes.map((s) => (
          <li key={s}>{SCOPE_TEXT[s]}</li>
        ))}
      </ul>
      <p className={styles.note}>It never sees your password. You can withdraw this on your account&apos;s security page.</p>
      <ConsentForm query={query} clientName={client.name} />
    </main>
  );
}
