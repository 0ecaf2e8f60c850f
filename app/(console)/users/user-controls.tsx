"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";

const ROLES = ["viewer", "operator", "approver", "admin"];

export function CreateUserForm() {
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState("viewer");
  const [created, setCreated] = useState<{ email: string; password: string; role: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section className="panel" aria-label="Add a user">
      <form
        className="panel-body"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          const res = await callApi<{ email: string; password: string; role: string }>("/api/console/users", { email, name: name || undefined, role });
          setBusy(false);
          if (!res.ok || !res.data) return setError(res.error ?? "failed");
          setCreated(res.data);
          setEmail("");
          setName("");
          router.refresh();
        }}
      >
        <div className="row" style={{ alignItems: "flex-end" }}>
          <div className="field" style={{ marginBottom: 0 }}>
            <label htmlFor="u-email">Email</label>
            <input id="u-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required style={{ width: 260 }} />
          </div>
          <div className="field" style={{ marginBottom: 0 }}>
            <label htmlFor="u-name">Name</label>
            <input id="u-name" type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="optional" />
          </div>
          <div className="field" style={{ marginBottom: 0 }}>
            <label htmlFor="u-role">Role</label>
            <select id="u-role" value={role} onChange={(e) => setRole(e.target.value)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </div>
          <button type="submit" className="btn primary" disabled={busy}>
            Add user
          </button>
        </div>
        {error ? <p className="notice bad" style={{ marginTop: 10 }}>{error}</p> : null}
        {created ? (
          <div className="notice ok" style={{ marginTop: 12 }} role="status">
            <p style={{ marginBottom: 6 }}>
              <b>{`${created.email} (${created.role}) can now sign in with this password. It is shown once: pass it on securely.`}</b>
            </p>
            <div className="secret-once" data-testid="new-user-password">
              {created.password}
            </div>
            <button type="button" className="btn small ghost" style={{ marginTop: 8 }} onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        ) : null}
      </form>
    </section>
  );
}

export function RoleSelect({ userId, email, role }: { userId: string; email: string; role: string }) {
  const router = useRouter();
  const [value, setValue] = useState(role);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="row">
      <label className="visually-hidden" htmlFor={`role-${userId}`}>{`Role of ${email}`}</label>
      <select
        id={`role-${userId}`}
        value={value}
        onChange={async (e) => {
          const next = e.target.value;
          setValue(next);
          setError(null);
          const res = await callApi(`/api/console/users/${encodeURIComponent(userId)}/role`, { role: next });
          if (!res.ok) {
            setValue(role);
            setError(res.error ?? "failed");
          } else router.refresh();
        }}
      >
        {ROLES.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>
      {error ? <span className="badge bad">{error}</span> : null}
    </span>
  );
}
