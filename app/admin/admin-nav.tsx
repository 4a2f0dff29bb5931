import { PAGES } from "@/lib/http/pages";

const LINKS = [
  { key: "users", href: PAGES.admin, label: "Users" },
  { key: "roles", href: PAGES.adminRoles, label: "Roles" },
  { key: "audit", href: PAGES.adminAudit, label: "Audit log" },
  { key: "alerts", href: PAGES.adminAlerts, label: "Security alerts" },
] as const;

export function AdminNav({ current }: { current: (typeof LINKS)[number]["key"] }) {
  return (
    <nav aria-label="Administration">
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
