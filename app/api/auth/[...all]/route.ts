import { getConsoleAuth } from "@/pipeline/auth";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** better-auth's endpoints (sign-in, sign-out, session), with its origin and CSRF checks. */
async function handle(req: Request): Promise<Response> {
  const auth = await getConsoleAuth();
  return auth.handler(req);
}

export { handle as GET, handle as POST };
