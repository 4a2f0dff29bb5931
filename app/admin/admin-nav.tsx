const LINKS = [
  { key: "users", href: "/admin", label: "Users" },
  { key: "roles", href: "/admin/roles", label: "Roles" },
  { key: "audit", href: "/admin/audit", label: "Audit log" },
  { key: "alerts", href: "/admin/alerts", label: "Security alerts" },
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
