export { startTriageAgent, TriageAgent, TRIAGE_ACTOR, type TriageOptions, type TriageTickReport } from "./triage-agent";
export { consoleOnlyNotifier, slackMessageOf, webhookNotifier, type Notifier, type SlackMessage, type TriageNotice } from "./notify";
