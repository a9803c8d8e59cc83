export {
  CreditHistories,
  creditHistoryResolvers,
  summarise,
  type CreditHistoryValue,
  type HistoryLine,
  type HistoryLoan,
} from './credit-history.js';
