import type { ReactNode } from "react";
import "./globals.css";

export const metadata = { title: "Portcullis", description: "Sign-in, sessions and MFA for Next.js sites" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
