"use client";

import { useState } from "react";
import { callApi } from "@/app/components/api-client";

interface Verification {
  ok: boolean;
  checked: number;
  firstBadSeq?: number;
  problem?: string;
  head?: { seq: number; hash: string };
}

export function VerifyChainButton() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Verification | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="row">
      {result ? (
        <span role="status" data-testid="chain-result" className={`notice ${result.ok ? "ok" : "bad"}`} style={{ padding: "4px 10px" }}>
          {result.ok ? `Chain intact: ${result.checked} entries verified${result.head ? `, head #${result.head.seq} ${result.head.hash.slice(0, 12)}…` : ""}.` : `Chain broken at entry ${result.firstBadSeq}: ${result.problem}`}
        </span>
      ) : null}
      {error ? (
        <span role="status" className="notice bad" style={{ padding: "4px 10px" }}>
          {error}
        </span>
      ) : null}
      <button
        type="button"
        className="btn primary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          const res = await callApi<Verification>("/api/console/audit/verify", {});
          setBusy(false);
          if (res.ok && res.data) setResult(res.data);
          else setError(res.error ?? "verification failed");
        }}
      >
        {busy ? "Verifying…" : "Verify chain"}
      </button>
    </div>
  );
}
