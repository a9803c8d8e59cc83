import { card, h, show, table } from '../dom.js';
import { failureBanner, field, gql } from '../graphql.js';
import type { PartyPage } from '../main.js';

const LIBRARY_LABELS: Record<string, string> = {
  CANDIDATE: '候选 · Candidate',
  ADMITTED: '入库 · Admitted',
  SUSPENDED: '暂停 · Suspended',
  REMOVED: '出库 · Removed',
};

const LIBRARY = `query ConsoleLibrary($after: String) {
  enterprises(first: 50, after: $after) {
    nodes {
      id name district industry libraryStatus highTechCertificate
      assessment { year techSmeScore techSmeEligible highTechEligible prospectRating policyPriority assessedAt }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface LibraryRow {
  id: string;
  name: string;
  district: string;
  industry: string;
  libraryStatus: string;
  highTechCertificate: string | null;
  assessment: {
    year: number;
    techSmeScore: number;
    techSmeEligible: boolean;
    highTechEligible: boolean;
    prospectRating: string;
    policyPriority: string;
  } | null;
}

const yes = (value: boolean) => (value ? '是 · yes' : '否 · no');

/** The technology bureau's enterprise library with each enterprise's assessment results. */
export const page: PartyPage = async (root) => {
  const render = async (after: string | null) => {
    const answer = await gql<{
      enterprises: {
        nodes: LibraryRow[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      } | null;
    }>(LIBRARY, { after });
    const rows = answer.data?.enterprises?.nodes ?? [];
    const status = h('p', { class: 'hint', id: 'assess-status' });
    const assess = (id: string) => async () => {
      const result = await gql(
        'mutation ConsoleAssess($id: ID!) { assessEnterprise(id: $id) { year techSmeScore } }',
        { id },
      );
      if (result.errors.length) return show(status, result.errors.map((e) => e.message).join('; '));
      await render(after);
    };
    const next = answer.data?.enterprises?.pageInfo;
    show(
      root,
      h('h1', {}, '科技企业库 · Enterprise library'),
      card(
        'library',
        '入库企业与评价结果 · Enterprises and assessment results',
        failureBanner(answer),
        status,
        table(
          [
            '企业 · Enterprise',
            '区县 · District',
            '行业 · Industry',
            '状态 · Status',
            '评价年度 · Year',
            '科小评分 · Tech-SME score',
            '科小 · Tech SME',
            '高企 · High-tech',
            '前景 · Prospect',
            '政策优先 · Priority',
            '',
          ],
          rows.map((e, index) => {
            const a = e.assessment;
            const cell = (render: (value: NonNullable<LibraryRow['assessment']>) => string) =>
              field(answer, ['enterprises', 'nodes', index, 'assessment'], a, render);
            return [
              e.name,
              e.district,
              e.industry,
              LIBRARY_LABELS[e.libraryStatus] ?? e.libraryStatus,
              a || answer.withheld(['enterprises', 'nodes', index, 'assessment'])
                ? cell((v) => String(v.year))
                : '未评价 · Not assessed',
              a ? cell((v) => String(v.techSmeScore)) : '—',
              a ? cell((v) => yes(v.techSmeEligible)) : '—',
              a ? cell((v) => yes(v.highTechEligible)) : '—',
              a ? cell((v) => v.prospectRating) : '—',
              a ? cell((v) => v.policyPriority) : '—',
              h(
                'button',
                { type: 'button', class: 'assess', 'data-enterprise': e.id, onclick: assess(e.id) },
                '评价 · Assess',
              ),
            ];
          }),
          '库中暂无企业 · The library is empty',
        ),
        next?.hasNextPage
          ? h(
              'button',
              { type: 'button', onclick: () => void render(next.endCursor) },
              '下一页 · Next page',
            )
          : null,
      ),
    );
  };
  await render(null);
};
