"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

type Topic = "events" | "activity" | "failures" | "approvals" | "audit" | "recon" | "connections";

/** Every page shows the sidebar badges (failures, approvals); the rest is what each page reads. */
const PAGE_TOPICS: [prefix: string, topics: Topic[]][] = [
  ["/failures", ["activity"]],
  ["/orders", ["events", "activity", "recon"]],
  ["/events", ["events", "activity"]],
  ["/reconciliation", ["recon"]],
  ["/usage", ["events"]],
  ["/approvals", ["activity"]],
  ["/health", ["activity", "connections"]],
  ["/connections", ["connections"]],
  ["/audit", ["audit"]],
  ["/tokens", ["audit"]],
  ["/users", ["audit"]],
  ["/chat", []],
  ["/", ["events", "activity", "recon"]],
];

function topicsFor(pathname: string): Set<Topic> {
  const match = PAGE_TOPICS.find(([p]) => (p === "/" ? pathname === "/" : pathname === p || pathname.startsWith(`${p}/`)));
  return new Set<Topic>(["failures", "approvals", ...(match?.[1] ?? [])]);
}

/** At most one refresh per this interval, so a busy pipeline does not re-render a page continuously. */
const MIN_REFRESH_MS = 1_500;

/**
 * Listens to /api/stream and refreshes the current view (router.refresh: server components
 * re-render, client state such as a half-typed form is kept) when something it shows changed.
 */
export function LiveUpdates() {
  const router = useRouter();
  const pathname = usePathname();
  const pathRef = useRef(pathname);
  pathRef.current = pathname;
  const [state, setState] = useState<"connecting" | "open" | "error">("connecting");

  useEffect(() => {
    const source = new EventSource("/api/stream");
    let lastRefresh = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      timer = undefined;
      lastRefresh = Date.now();
      const root = document.documentElement;
      // A counter the browser tests read to prove a view updated without a reload.
      root.dataset.liveRefreshes = String(Number(root.dataset.liveRefreshes ?? "0") + 1);
      router.refresh();
    };
    source.addEventListener("open", () => setState("open"));
    source.addEventListener("ready", () => setState("open"));
    source.addEventListener("error", () => setState(source.readyState === EventSource.CLOSED ? "error" : "connecting"));
    source.addEventListener("change", (ev) => {
      let topics: Topic[] = [];
      try {
        topics = (JSON.parse((ev as MessageEvent<string>).data) as { topics: Topic[] }).topics ?? [];
      } catch {
        return;
      }
      const wanted = topicsFor(pathRef.current);
      if (!topics.some((t) => wanted.has(t)) || timer) return;
      timer = setTimeout(refresh, Math.max(0, lastRefresh + MIN_REFRESH_MS - Date.now()));
    });
    return () => {
      if (timer) clearTimeout(timer);
      source.close();
    };
  }, [router]);

  const label = state === "open" ? "Live" : state === "connecting" ? "Connecting…" : "Offline: retrying";
  return (
    <span className="live" data-state={state} role="status" aria-live="polite" title="Views update by themselves when the pipeline changes">
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
