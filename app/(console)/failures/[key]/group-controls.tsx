"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";

export function GroupControls({ groupKey, owner, status }: { groupKey: string; owner: string | null; status: string }) {
  const router = useRouter();
  const [value, setValue] = useState(owner ?? "");
  const [note, setNote] = useState<{ tone: "ok" | "bad"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(url: string, body: unknown, done: string) {
    setBusy(true);
    const res = await callApi(url, body);
    setBusy(false);
    setNote(res.ok ? { tone: "ok", text: done } : { tone: "bad", text: res.error ?? "failed" });
    if (res.ok) router.refresh();
  }

  return (
    <div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run("/api/console/failures/owner", { key: groupKey, owner: value.trim() || null }, "Owner saved.");
        }}
      >
        <div className="field">
          <label htmlFor="owner">Owner</label>
          <div className="row">
            <input id="owner" type="text" value={value} onChange={(e) => setValue(e.target.value)} placeholder="name or team" style={{ flex: 1 }} />
            <button type="submit" className="btn small" disabled={busy}>
              Save
            </button>
          </div>
        </div>
      </form>
      <div className="row">
        {status !== "acknowledged" ? (
          <button type="button" className="btn small" disabled={busy} onClick={() => run("/api/console/failures/status", { keys: [groupKey], status: "acknowledged" }, "Acknowledged.")}>
            Acknowledge
          </button>
        ) : null}
        {status !== "resolved" ? (
          <button type="button" className="btn small" disabled={busy} onClick={() => run("/api/console/failures/status", { keys: [groupKey], status: "resolved" }, "Marked resolved.")}>
            Mark resolved
          </button>
        ) : null}
        {status !== "ignored" ? (
          <button type="button" className="btn small" disabled={busy} onClick={() => run("/api/console/failures/status", { keys: [groupKey], status: "ignored" }, "Ignored.")}>
            Ignore
          </button>
        ) : null}
        {status !== "open" ? (
          <button type="button" className="btn small" disabled={busy} onClick={() => run("/api/console/failures/status", { keys: [groupKey], status: "open" }, "Reopened.")}>
            Reopen
          </button>
        ) : null}
      </div>
      <p className="faint" style={{ marginTop: 10, fontSize: 12 }}>
        Replay from the Failures list: it shows a preview first.
      </p>
      {note ? (
        <p role="status" className={`notice ${note.tone}`} style={{ marginTop: 8 }}>
          {note.text}
        </p>
      ) : null}
    </div>
  );
}
