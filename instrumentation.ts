/**
 * Runs once when the Next.js server starts: boots the runtime so that, in the embedded default,
 * workers and pollers run from the first second rather than from the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.LOOPKEEPER_SKIP_BOOT === "1") return;
  const { bootWebProcess } = await import("./pipeline/boot");
  await bootWebProcess();
}
