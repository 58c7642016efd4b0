/** The approval flow's I/O side (S3.2): the evidence bundle and a person's decision. */
export { appendDecision, approvalFor, type DecisionDeps, type DecisionProof, type DecisionOutcome, type DecisionRefusal, type DecisionRefused, type DecisionRequest, decidable, readApproval } from './decision.ts';
export { assembleEvidence, type EvidenceInputs, type EvidenceOutcome, evidenceWarnings, type Quote } from './evidence.ts';
export { describeOrder, type EvidenceRecord, renderEvidenceMarkdown, renderEvidenceText, writeEvidenceResponse } from './render.ts';
