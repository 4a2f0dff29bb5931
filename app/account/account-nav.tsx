import { PAGES } from "@/lib/http/pages";

const LINKS = [
  { key: "account", href: PAGES.account, label: "Account" },
  { key: "security", href: PAGES.accountSecurity, label: "Security" },
  { key: "activity", href: PAGES.accountActivity, label: "Activity" },
] as const;

export function AccountNav({ current }: { current: (typeof LINKS)[number]["key"] }) {
  return (
    <nav aria-label="Account">
      <ul className="subnav">
        {LINKS.map((l) => (
          <li key={l.key}>
            <a href={l.href} aria-current={l.key === current ? "page" : undefined}>
              {l.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
