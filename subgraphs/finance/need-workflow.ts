import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Caller } from '../shared/caller.js';
import type { Db } from '../shared/db.js';
import type { PeerClient } from '../shared/peers.js';
import { badInput, exchangeError, forbidden, notFound } from '../shared/errors.js';
import {
  bankId,
  text,
  validateEdit,
  validateSubmission,
  type EditNeedInput,
  type SubmitNeedInput,
} from './need-input.js';
import type { FeedbackRow, NeedRow } from './repository.js';
import { financingNeeds, needFeedback } from './tables.js';

/** States an enterprise may still withdraw from (SPEC: "any live state"). */
export const LIVE_STATUSES = [
  'SUBMITTED',
  'OPEN',
  'ASSIGNED',
  'SOLUTION_PROPOSED',
  'CREDIT_APPROVED',
];
const EDITABLE_STATUSES = ['SUBMITTED', 'OPEN'];
const DECLINABLE = ['SOLUTION_PROPOSED', 'CREDIT_APPROVED'];

/** Where the main-bank rule looked, in its order (SPEC 三(二)(三)). */
export interface MainBankEvidence {
  basicAccountBankId?: string | null;
  largestLenderId?: string | null;
}

const conflict = (message: string) => exchangeError('CONFLICT', message);

const BASIC_ACCOUNT = `query BasicAccountBank($enterpriseId: ID!) {
  _basicAccountBank(enterpriseId: $enterpriseId)
}`;
const LARGEST_LENDER = `query LargestLender($enterpriseId: ID!) {
  _largestLender(enterpriseId: $enterpriseId)
}`;

// The main bank owes its solution (一企一策) within one day of assignment. Database time, so every
// deadline is measured on one clock, whichever server the subgraph runs on.
const assignNow = {
  assignedAt: sql`now()`,
  solutionDueAt: sql`now() + interval '1 day'`,
  acceptedAt: null,
};
const unassigned = {
  mainBankId: null,
  mainBankBasis: null,
  assignedAt: null,
  solutionDueAt: null,
  acceptedAt: null,
};

/**
 * The life cycle of a financing need (SPEC: SUBMITTED → OPEN/ASSIGNED → …). Each transition is one
 * transaction whose UPDATE carries its precondition (`where status = …`), so two callers racing
 * on one need cannot both pass: the loser's UPDATE re-reads the row after the winner commits and
 * matches nothing. Why it matched nothing is worked out afterwards, for the error.
 */
export class NeedWorkflow {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
    private readonly peers?: PeerClient,
  ) {}

  private enterpriseId(): string {
    if (this.caller.party !== 'enterprise' || !this.caller.org) {
      throw forbidden('only an enterprise submits, edits and withdraws its own financing needs');
    }
    return this.caller.org;
  }

  private bankId(): string {
    if (this.caller.party !== 'bank' || !this.caller.org) {
      throw forbidden('only a bank claims financing needs and answers assignments');
    }
    return this.caller.org;
  }

  private requireFinanceOffice(): void {
    if (this.caller.party !== 'finance_office') {
      throw forbidden('only the finance office triages financing needs');
    }
  }

  private async load(db: Db, id: string, lock = false): Promise<NeedRow | undefined> {
    const query = db.select().from(financingNeeds).where(eq(financingNeeds.id, id));
    const [row] = await (lock ? query.for('update') : query);
    return row;
  }

  async submit(input: SubmitNeedInput): Promise<NeedRow> {
    const enterpriseId = this.enterpriseId();
    const fields = validateSubmission(input);
    const [row] = await this.db
      .insert(financingNeeds)
      .values({
        id: `need-${randomUUID()}`,
        enterpriseId,
        ...fields,
        status: 'SUBMITTED',
        submittedAt: sql`now()`,
      })
      .returning();
    return row;
  }

  async edit(id: string, input: EditNeedInput): Promise<NeedRow> {
    const enterpriseId = this.enterpriseId();
    const changes = validateEdit(input);
    return this.db.transaction(async (tx) => {
      const need = await this.load(tx as unknown as Db, id, true);
      if (!need || need.enterpriseId !== enterpriseId) throw notFound('financing need', id);
      if (!EDITABLE_STATUSES.includes(need.status)) {
        throw conflict(
          `financing need "${id}" is ${need.status}: it can be edited only while SUBMITTED or OPEN`,
        );
      }
      // An open need is open to all banks by definition; made main-bank-only, it needs a main
      // bank, which only triage assigns.
      const backToTriage = need.status === 'OPEN' && changes.visibility === 'MAIN_BANK_ONLY';
      const [row] = await tx
        .update(financingNeeds)
        .set({ ...changes, ...(backToTriage ? { status: 'SUBMITTED' } : {}) })
        .where(eq(financingNeeds.id, id))
        .returning();
      return row;
    });
  }

  async withdraw(id: string): Promise<NeedRow> {
    const enterpriseId = this.enterpriseId();
    const [row] = await this.db
      .update(financingNeeds)
      .set({ status: 'WITHDRAWN' })
      .where(
        and(
          eq(financingNeeds.id, id),
          eq(financingNeeds.enterpriseId, enterpriseId),
          inArray(financingNeeds.status, LIVE_STATUSES),
        ),
      )
      .returning();
    if (row) return row;
    const need = await this.load(this.db, id);
    if (!need || need.enterpriseId !== enterpriseId) throw notFound('financing need', id);
    throw conflict(
      `financing need "${id}" is ${need.status}: only a live need (${LIVE_STATUSES.join(', ')}) can be withdrawn`,
    );
  }

  async triage(id: string, evidence: MainBankEvidence): Promise<NeedRow> {
    this.requireFinanceOffice();
    const given = {
      basicAccount:
        evidence.basicAccountBankId == null
          ? null
          : bankId(evidence.basicAccountBankId, 'basicAccountBankId'),
      largestLender:
        evidence.largestLenderId == null
          ? null
          : bankId(evidence.largestLenderId, 'largestLenderId'),
    };
    const { basicAccount, largestLender } = await this.mainBankFacts(id, evidence, given);
    return this.db.transaction(async (tx) => {
      const need = await this.load(tx as unknown as Db, id, true);
      if (!need) throw notFound('financing need', id);
      if (need.status !== 'SUBMITTED') {
        throw conflict(
          `financing need "${id}" is ${need.status}: only a SUBMITTED need is triaged`,
        );
      }
      if (need.visibility === 'OPEN_TO_ALL_BANKS') {
        const [row] = await tx
          .update(financingNeeds)
          .set({ status: 'OPEN' })
          .where(eq(financingNeeds.id, id))
          .returning();
        return row;
      }
      // A bank that declined this need is not assigned it again.
      const declined = (
        await tx
          .select({ bankId: needFeedback.bankId })
          .from(needFeedback)
          .where(and(eq(needFeedback.needId, id), eq(needFeedback.accepted, false)))
      ).map((r) => r.bankId);
      const candidates: [string | null, string][] = [
        [basicAccount, 'BASIC_ACCOUNT'],
        [need.preferredBankId, 'NAMED_BY_ENTERPRISE'],
        [largestLender, 'LARGEST_LENDER'],
      ];
      const chosen = candidates.find(([bank]) => bank !== null && !declined.includes(bank));
      if (!chosen) {
        const refused = declined.length ? `; banks that declined it: ${declined.join(', ')}` : '';
        throw badInput(
          'basicAccountBankId',
          `financing need "${id}" is main-bank-only and no main bank applies: give the enterprise's ` +
            `basic-settlement-account bank (basicAccountBankId) or its largest lender ` +
            `(largestLenderId); the enterprise named ${need.preferredBankId ?? 'no bank'}${refused}`,
        );
      }
      const [row] = await tx
        .update(financingNeeds)
        .set({ status: 'ASSIGNED', mainBankId: chosen[0], mainBankBasis: chosen[1], ...assignNow })
        .where(eq(financingNeeds.id, id))
        .returning();
      return row;
    });
  }

  /**
   * The facts the main-bank rule needs and the finance office did not give: the basic-account
   * bank from the technology bureau's library, the largest lender from the banks' credit. Asked
   * only for a main-bank-only need that is still SUBMITTED, on the caller's delegated tokens.
   */
  private async mainBankFacts(
    id: string,
    evidence: MainBankEvidence,
    given: { basicAccount: string | null; largestLender: string | null },
  ): Promise<{ basicAccount: string | null; largestLender: string | null }> {
    const need = await this.load(this.db, id);
    if (
      !this.peers ||
      !need ||
      need.visibility !== 'MAIN_BANK_ONLY' ||
      need.status !== 'SUBMITTED'
    ) {
      return given;
    }
    const variables = { enterpriseId: need.enterpriseId };
    const [basicAccount, largestLender] = await Promise.all([
      evidence.basicAccountBankId !== undefined
        ? given.basicAccount
        : this.peers
            .request<{ _basicAccountBank: string | null }>('tech', BASIC_ACCOUNT, variables)
            .then((data) => data._basicAccountBank),
      evidence.largestLenderId !== undefined
        ? given.largestLender
        : this.peers
            .request<{ _largestLender: string | null }>('banks', LARGEST_LENDER, variables)
            .then((data) => data._largestLender),
    ]);
    return { basicAccount, largestLender };
  }

  /**
   * 抢单: one conditional UPDATE. Under concurrent claims PostgreSQL serialises them on the row
   * lock; each waiting UPDATE re-checks `status = 'OPEN'` on the winner's version and matches
   * nothing. A single statement is its own transaction.
   */
  async claim(id: string): Promise<NeedRow> {
    const bank = this.bankId();
    const [row] = await this.db
      .update(financingNeeds)
      .set({ status: 'ASSIGNED', mainBankId: bank, mainBankBasis: 'CLAIMED', ...assignNow })
      .where(
        and(
          eq(financingNeeds.id, id),
          eq(financingNeeds.status, 'OPEN'),
          eq(financingNeeds.visibility, 'OPEN_TO_ALL_BANKS'),
        ),
      )
      .returning();
    if (row) return row;
    const need = await this.load(this.db, id);
    // A main-bank-only need is none of another bank's business: it does not exist for it.
    if (!need || (need.visibility !== 'OPEN_TO_ALL_BANKS' && need.mainBankId !== bank)) {
      throw notFound('financing need', id);
    }
    if (need.visibility !== 'OPEN_TO_ALL_BANKS') {
      throw conflict(`financing need "${id}" is main-bank-only: it is assigned, not claimed`);
    }
    if (need.mainBankId === bank)
      throw conflict(`financing need "${id}" is already claimed by you`);
    if (need.mainBankId) throw conflict(`financing need "${id}" is already claimed`);
    throw conflict(`financing need "${id}" is ${need.status}: only an OPEN need can be claimed`);
  }

  /** DECLINED: the enterprise will not take the offer, or its main bank will not lend. */
  async decline(id: string, reasonText: string): Promise<NeedRow> {
    const party = this.caller.party;
    if ((party !== 'enterprise' && party !== 'bank') || !this.caller.org) {
      throw forbidden('only the enterprise or its main bank declines a financing need');
    }
    const reason = text(reasonText, 'reason');
    const owner =
      party === 'enterprise'
        ? eq(financingNeeds.enterpriseId, this.caller.org)
        : eq(financingNeeds.mainBankId, this.caller.org);
    const [row] = await this.db
      .update(financingNeeds)
      .set({
        status: 'DECLINED',
        declinedBy: party === 'enterprise' ? 'ENTERPRISE' : 'BANK',
        declineReason: reason,
        declinedAt: sql`now()`,
      })
      .where(and(eq(financingNeeds.id, id), owner, inArray(financingNeeds.status, DECLINABLE)))
      .returning();
    if (row) return row;
    const need = await this.load(this.db, id);
    const mine =
      need &&
      (party === 'enterprise'
        ? need.enterpriseId === this.caller.org
        : need.mainBankId === this.caller.org);
    if (!mine) throw notFound('financing need', id);
    throw conflict(
      `financing need "${id}" is ${need.status}: only a need with a solution or credit ` +
        `(${DECLINABLE.join(', ')}) can be declined`,
    );
  }

  /** 受理回告: the answer and the need's new state are written together or not at all. */
  async respond(
    id: string,
    accept: boolean,
    reasonText: string,
  ): Promise<{ need: NeedRow; feedback: FeedbackRow }> {
    const bank = this.bankId();
    const reason = text(reasonText, 'reason');
    const result = await this.db.transaction(async (tx) => {
      const mine = and(
        eq(financingNeeds.id, id),
        eq(financingNeeds.status, 'ASSIGNED'),
        eq(financingNeeds.mainBankId, bank),
      );
      const [need] = accept
        ? await tx
            .update(financingNeeds)
            .set({ acceptedAt: sql`now()` })
            .where(and(mine, isNull(financingNeeds.acceptedAt)))
            .returning()
        : await tx
            .update(financingNeeds)
            .set({
              ...unassigned,
              status: sql`case when ${financingNeeds.visibility} = 'OPEN_TO_ALL_BANKS' then 'OPEN' else 'SUBMITTED' end`,
            })
            .where(mine)
            .returning();
      if (!need) return null;
      const [feedback] = await tx
        .insert(needFeedback)
        .values({ id: `fb-${randomUUID()}`, needId: id, bankId: bank, accepted: accept, reason })
        .returning();
      return { need, feedback };
    });
    if (result) return result;
    const need = await this.load(this.db, id);
    if (!need || (need.mainBankId !== bank && need.visibility !== 'OPEN_TO_ALL_BANKS')) {
      throw notFound('financing need', id);
    }
    if (need.mainBankId !== bank) {
      throw conflict(`financing need "${id}" is not assigned to you: only its main bank answers`);
    }
    if (need.status !== 'ASSIGNED') {
      throw conflict(
        `financing need "${id}" is ${need.status}: an assignment is answered while ASSIGNED`,
      );
    }
    throw conflict(
      `financing need "${id}" was already accepted on ${need.acceptedAt!.toISOString()}`,
    );
  }
}
