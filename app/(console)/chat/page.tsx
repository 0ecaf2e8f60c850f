import { PageHead } from "@/app/components/ui";
import { can, requireUser } from "@/app/lib/session";
import { ChatSlot } from "./chat-slot";

export const metadata = { title: "Ask the agent" };

export default async function ChatPage() {
  const user = await requireUser();
  return (
    <>
      <PageHead title="Ask the agent" description="Ask why something failed, what an order went through, or what to do next. Every answer cites the events and deliveries it rests on." />
      <ChatSlot canApprove={can(user, "approver")} role={user.role} />
    </>
  );
}
