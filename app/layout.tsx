import type { Metadata } from "next";
import type { ReactNode } from "react";
import { getSession } from "@/app/_lib/session";
import { SignOutButton } from "@/app/_components/sign-out-button";
import { PAGES } from "@/lib/http/pages";
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
            <a className="brand" href={PAGES.home}>
              <img src="/icon.svg" alt="" />
              Portcullis
            </a>
            <nav className="site-nav" aria-label="Main">
              {current ? (
                <>
                  <a href={PAGES.account}>Account</a>
                  <a href={PAGES.accountSecurity}>Security</a>
                  <a href={PAGES.accountActivity}>Activity</a>
                  {current.user.roles.some((r) => r !== "user") && <a href={PAGES.admin}>Admin</a>}
                  <SignOutButton />
                </>
              ) : (
                <>
                  <a href={PAGES.signIn}>Sign in</a>
                  <a href={PAGES.signUp}>Create account</a>
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
