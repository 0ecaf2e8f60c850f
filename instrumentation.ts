/**
 * Runs once when the Next.js server starts: boots the runtime so that, in the embedded default,
 * workers and pollers run from the first second rather than from the first request; then sets up
 * console sign-in, which on a fresh database creates the first administrator and prints its
 * password once.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.LOOPKEEPER_SKIP_BOOT === "1") return;
  // Registered before boot so the workers this process starts include the triage agent.
  await import("./agent/triage/register");
  const { bootWebProcess } = await import("./pipeline/boot");
  await bootWebProcess();
  const { getConsoleAuth } = await import("./pipeline/auth");
  const { log } = await import("./pipeline/log");
  // Sign-in is retried on the first request if this fails; the pipeline keeps running either way.
  await getConsoleAuth().catch((e: Error) => log.error({ err: e.message }, "console sign-in could not be set up"));
}
