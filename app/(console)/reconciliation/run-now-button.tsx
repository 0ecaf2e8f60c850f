"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";

interface Outcome {
  status: string;
  checked: number;
  open: number;
  inFlight: number;
  resolved: number;
  error: string | null;
}

export function RunNowButton({ domain }: { domain: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ tone: "ok" | "bad" | "warn"; text: string } | null>(null);
  return (
    <span className="row">
      {note ? (
        <span role="status" className={`badge ${note.tone}`}>
          {note.text}
        </span>
      ) : null}
      <button
        type="button"
        className="btn"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setNote(null);
          const res = await callApi<Outcome>("/api/console/reconciliation/run", { domain });
          setBusy(false);
          if (!res.ok || !res.data) return setNote({ tone: "bad", text: res.error ?? "failed" });
          const o = res.data;
          setNote(
            o.status === "succeeded"
              ? { tone: o.open ? "warn" : "ok", text: `${o.checked} compared: ${o.open} open, ${o.inFlight} in flight, ${o.resolved} resolved` }
              : { tone: o.status === "failed" ? "bad" : "warn", text: o.error ?? `run ${o.status}` },
          );
          router.refresh();
        }}
      >
        {busy ? "Comparing…" : `Run ${domain} now`}
      </button>
    </span>
  );
}
