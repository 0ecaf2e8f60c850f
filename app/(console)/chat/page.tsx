import { PageHead } from "@/app/components/ui";
import { can, requireUser } from "@/app/lib/session";
import { ChatView } from "./chat-view";

export const metadata = { title: "Ask the agent" };

const CONVERSATION_ID = /^[A-Za-z0-9_-]{6,80}$/;

export default async function ChatPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const c = (await searchParams).c;
  const conversationId = typeof c === "string" && CONVERSATION_ID.test(c) ? c : null;
  return (
    <>
      <PageHead title="Ask the agent" description="Ask why something failed, what an order went through, or what to do next. Every answer cites the events and deliveries it rests on." />
      <ChatView userId={user.id} role={user.role} canApprove={can(user, "approver")} initialConversationId={conversationId} />
    </>
  );
}
