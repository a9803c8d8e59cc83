export {
  creditReportResolvers,
  financialRatios,
  patentSection,
  type CreditReportRef,
} from './credit-report.js';
