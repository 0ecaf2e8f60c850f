import { redirect } from "next/navigation";
import { currentUser } from "@/app/lib/session";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function SignInPage() {
  if (await currentUser()) redirect("/");
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand" style={{ padding: "0 0 12px" }}>
          <span className="brand-mark" aria-hidden="true">
            L
          </span>
          Loopkeeper
        </div>
        <h1>Sign in</h1>
        <p className="muted">The operations console for your commerce data loop.</p>
        <SignInForm />
        <p className="faint" style={{ marginTop: 14, fontSize: 12 }}>
          First time? The administrator&apos;s password was printed once in the server output at set-up. Ask an admin for an account.
        </p>
      </div>
    </main>
  );
}
