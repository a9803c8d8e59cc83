/** The operations the benchmark drives, as a bank integration and an agency app send them. */

export type OperationId = 'O1' | 'O2' | 'O3' | 'O4';

export interface Operation {
  id: OperationId;
  title: string;
  /** Who sends it: the token the load generator carries. */
  caller: 'bank' | 'pboc';
  operationName: string;
  query: string;
}

/** 拟授信项目: a bank's first page of its prospect feed, from finance, tech and banks. */
export const PROSPECT_FEED: Operation = {
  id: 'O1',
  title: "a bank's prospect-feed page of 50 (finance + tech + banks)",
  caller: 'bank',
  operationName: 'ProspectFeed',
  query: `query ProspectFeed($first: Int!) {
  prospectFeed(first: $first) {
    nodes {
      needId
      change
      removed
      need {
        id amount termMonths purpose collateral visibility status submittedAt
        enterprise {
          id name uscc district industry stage highTechCertificate
          patentStats { total inventions granted }
        }
      }
      matchingProducts(first: 3) { id name category rateFloor maxAmount bank { id name } }
    }
    pageInfo { hasNextPage endCursor }
    caughtUp
  }
}`,
};

/** The same page without the feed, for a supergraph that has no `prospectFeed` yet. */
export const NEEDS_PAGE: Operation = {
  id: 'O1',
  title: "a bank's page of 50 open needs (fallback: financingNeeds; finance + tech + banks)",
  caller: 'bank',
  operationName: 'NeedsPage',
  query: `query NeedsPage($first: Int!) {
  financingNeeds(first: $first) {
    nodes {
      id amount termMonths purpose collateral visibility status submittedAt
      enterprise {
        id name uscc district industry stage highTechCertificate
        patentStats { total inventions granted }
      }
      recommendedProducts(first: 3) { id name category rateFloor maxAmount bank { id name } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
};

/**
 * One enterprise's dossier as a bank it granted every data set to: consent-gated contact,
 * financials, patent valuations and pooled credit, decided per object and written to the
 * disclosure log in the same request.
 */
export const DOSSIER: Operation = {
  id: 'O2',
  title: "one enterprise's dossier as a bank with consent (all four subgraphs, disclosure logged)",
  caller: 'bank',
  operationName: 'Dossier',
  query: `query Dossier($id: ID!) {
  enterprise(id: $id) {
    id uscc name district industry stage foundedOn highTechCertificate techSmeRegistered libraryStatus
    patentStats { total inventions utilityModels designs granted pledged }
    patents { id number kind title status filedOn grantedOn ipcClass valuation }
    contact { legalRepresentative contactPerson phone address }
    financials { year revenue rdExpense employees techStaff totalAssets }
    financingNeeds { id amount termMonths purpose status visibility submittedAt }
    creditSummary { totalApproved outstanding lenders creditLines firstLoanOn }
    pooledCreditSummary { totalApproved outstanding lenders creditLines firstLoanOn }
    consents { id dataSets purpose grantedAt expiresAt status }
  }
}`,
};

/** 统计监测: a quarter's credit statistics per bank and for the city, as the PBOC. */
export const STATISTICS: Operation = {
  id: 'O3',
  title: 'city-wide quarterly credit statistics per bank, as the PBOC (banks)',
  caller: 'pboc',
  operationName: 'QuarterStatistics',
  query: `query QuarterStatistics($from: Date!, $to: Date!) {
  creditStatistics(from: $from, to: $to) {
    from to
    banks {
      bankId bank { name }
      creditLinesApproved creditLinesApprovedAmount loansDisbursed loansDisbursedAmount
      firstLoanEnterprises outstanding
    }
    cityTotals {
      creditLinesApproved creditLinesApprovedAmount loansDisbursed loansDisbursedAmount
      firstLoanEnterprises outstanding activeBanks
    }
  }
}`,
};

/** 抢单: a bank claims an open need (each request a different need) and reads back its main bank. */
export const CLAIM: Operation = {
  id: 'O4',
  title: 'a bank claims an open need (finance + banks; one need per request)',
  caller: 'bank',
  operationName: 'Claim',
  query: `mutation Claim($id: ID!) {
  claimFinancingNeed(id: $id) {
    need { id status mainBankBasis mainBank { id name } }
  }
}`,
};

/** The quarter O3 asks for: the last full quarter before the seed's reference date. */
export const QUARTER = { from: '2026-07-01', to: '2026-09-30' };

export const PAGE = 50;
