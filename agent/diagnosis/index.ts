/**
 * Deterministic diagnosis: taxonomy, rules, playbook. It depends only on pipeline/, so tools/
 * (explain_failure, list_failures) import it as well as the agent loop: the one sanctioned
 * exception to app → agent → tools, which keeps a single diagnosis behind every surface.
 */
export { explainFailure, type Diagnosis, type DiagnosisSignals, type EvidenceItem, type EvidenceKind, type ExplainInput, type WebhookState } from "./explain-failure";
export { suggestFix, type SuggestedFix } from "./playbook";
export { classifyFacts, classifyQuarantine, type FailureFacts, type RuleHit } from "./rules";
export { ROOT_CAUSES, ROOT_CAUSE_LABELS, type RootCause } from "./taxonomy";
export { signalsOf, webhookStateOf } from "./runtime-signals";
