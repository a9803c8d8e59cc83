export {
  CreditReportSections,
  creditReportResolvers,
  type GuaranteeRecordValue,
  type NeedsRecordValue,
} from './credit-report.js';
export { evaluateRisk, METHOD, type RiskInputs } from './risk-evaluation.js';
