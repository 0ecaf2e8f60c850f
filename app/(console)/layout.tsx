import type { ReactNode } from "react";
import { LiveUpdates } from "@/app/components/live-updates";
import { Nav, type NavGroup } from "@/app/components/nav";
import { SignOutButton } from "@/app/components/sign-out-button";
import { can, requireUser } from "@/app/lib/session";
import { navCounts } from "@/pipeline/db/queries/console-overview";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  const rt = await getRuntime();
  const counts = await navCounts(rt.store);
  const groups: NavGroup[] = [
    {
      title: "Monitor",
      items: [
        { href: "/", label: "Overview" },
        { href: "/failures", label: "Failures", badge: counts.openFailureGroups, badgeTone: "bad" },
        { href: "/orders", label: "Orders" },
        { href: "/events", label: "Events" },
        { href: "/reconciliation", label: "Reconciliation" },
        { href: "/usage", label: "Usage" },
      ],
    },
    {
      title: "Act",
      items: [
        { href: "/approvals", label: "Approvals", badge: counts.proposedRemediations, badgeTone: "info" },
        { href: "/chat", label: "Ask the agent" },
      ],
    },
    {
      title: "Configure",
      items: [
        { href: "/connections", label: "Connections" },
        { href: "/routing", label: "Routing rules" },
        { href: "/mappings", label: "Mappings" },
        { href: "/health", label: "Connector health" },
        { href: "/audit", label: "Audit log" },
        { href: "/tokens", label: "MCP tokens" },
        ...(can(user, "admin") ? [{ href: "/users", label: "Users" }] : []),
      ],
    },
  ];
  return (
    <>
      <a href="#content" className="skip-link">
        Skip to content
      </a>
      <div className="shell">
        <aside className="sidebar">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              L
            </span>
            Loopkeeper
          </div>
          <Nav groups={groups} />
          <div className="sidebar-foot">
            <div className="who" title={user.email}>
              {user.email}
            </div>
            <div className="row between">
              <span className="badge accent" data-testid="current-role">
                {user.role}
              </span>
              <SignOutButton />
            </div>
          </div>
        </aside>
        <div className="main">
          <header className="topbar">
            <form action="/orders" method="get" role="search" className="row" style={{ flex: 1, maxWidth: 460 }}>
              <label htmlFor="global-search" className="visually-hidden">
                Find an order
              </label>
              <input id="global-search" name="q" type="search" placeholder="Find an order: number, PO, SKU or customer" style={{ width: "100%" }} />
            </form>
            <span className="spacer" />
            <LiveUpdates />
          </header>
          <main id="content" className="content" tabIndex={-1}>
            {children}
          </main>
        </div>
      </div>
    </>
  );
}
