import type { Metadata } from "next";
import type { ReactNode } from "react";
import { getSession } from "@/app/_lib/session";
import { SignOutButton } from "@/app/_components/sign-out-button";
import "./globals.css";

export const metadata: Metadata = { title: "Portcullis", description: "Sign-in, sessions and MFA for Next.js sites" };

// Every page reads the session cookie and carries a per-request CSP nonce: never static, never cached.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const current = await getSession();
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <div className="site-header-inner">
            <a className="brand" href="/">
              <img src="/icon.svg" alt="" />
              Portcullis
            </a>
            <nav className="site-nav" aria-label="Main">
              {current ? (
                <>
                  <a href="/account">Account</a>
                  <a href="/account/security">Security</a>
                  <a href="/account/activity">Activity</a>
                  {current.user.roles.some((r) => r !== "user") && <a href="/admin">Admin</a>}
                  <SignOutButton />
                </>
              ) : (
                <>
                  <a href="/sign-in">Sign in</a>
                  <a href="/sign-up">Create account</a>
                </>
              )}
            </nav>
          </div>
        </header>
        {children}
        <footer className="site-footer">
          <div className="site-footer-inner">Portcullis · sign-in, sessions and MFA on Postgres</div>
        </footer>
      </body>
    </html>
  );
}
