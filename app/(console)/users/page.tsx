import { Empty, PageHead, When } from "@/app/components/ui";
import { can, requireUser } from "@/app/lib/session";
import { ROLE_DESCRIPTIONS } from "@/pipeline/auth/roles";
import { listUsers } from "@/pipeline/db/queries/console-users";
import { getRuntime } from "@/pipeline/runtime";
import { CreateUserForm, RoleSelect } from "./user-controls";

export const metadata = { title: "Users" };

export default async function UsersPage() {
  const user = await requireUser();
  if (!can(user, "admin")) {
    return (
      <>
        <PageHead title="Users" />
        <p className="notice info">Managing users needs the admin role.</p>
      </>
    );
  }
  const rt = await getRuntime();
  const users = await listUsers(rt.store);
  return (
    <>
      <PageHead title="Users" description="Who can sign in, and what each may do. Every write is checked against the role on the server." />
      <div className="grid grid-4" style={{ marginBottom: 14 }}>
        {Object.entries(ROLE_DESCRIPTIONS).map(([role, text]) => (
          <div key={role} className="kpi">
            <div className="label" style={{ fontWeight: 600, color: "var(--text)" }}>
              {role}
            </div>
            <div className="sub">{text}</div>
          </div>
        ))}
      </div>
      <CreateUserForm />
      <section className="panel" aria-label="Users" style={{ marginTop: 14 }}>
        {users.length === 0 ? (
          <Empty title="No users" />
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>User</th>
                <th>Role</th>
                <th className="num">Active sessions</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>
                    <span className="title">{u.name}</span>
                    <div className="sub">{u.email}</div>
                  </td>
                  <td>
                    <RoleSelect userId={u.id} email={u.email} role={u.role} />
                  </td>
                  <td className="num">{u.activeSessions}</td>
                  <td>
                    <When at={u.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
