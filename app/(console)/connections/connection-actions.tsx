"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";

export function TestConnectionButton({ id }: { id: string }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; detail: string; ms: number } | null>(null);
  return (
    <div className="row">
      <button
        type="button"
        className="btn"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setResult(null);
          const res = await callApi<{ ok: boolean; detail: string; ms: number }>(`/api/console/connections/${encodeURIComponent(id)}/test`, {});
          setBusy(false);
          setResult(res.ok && res.data ? res.data : { ok: false, detail: res.error ?? "failed", ms: 0 });
        }}
      >
        {busy ? "Testing…" : "Test connection"}
      </button>
      {result ? (
        <span role="status" className={`notice ${result.ok ? "ok" : "bad"}`} style={{ padding: "4px 10px" }}>
          {`${result.ok ? "Works" : "Failed"}: ${result.detail}${result.ms ? ` (${result.ms} ms)` : ""}`}
        </span>
      ) : null}
    </div>
  );
}

export function ResumeButton({ id }: { id: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="row">
      <button
        type="button"
        className="btn"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          const res = await callApi(`/api/console/connections/${encodeURIComponent(id)}/resume`, {});
          setBusy(false);
          if (!res.ok) setError(res.error ?? "failed");
          else router.refresh();
        }}
      >
        Resume deliveries
      </button>
      {error ? <span className="badge bad">{error}</span> : null}
    </span>
  );
}
