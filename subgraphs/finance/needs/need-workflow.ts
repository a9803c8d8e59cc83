import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { GraphQLError } from 'graphql';
import type { ClaimThrottle } from '../../kernel/config.js';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import type { PeerClient } from '../../kernel/peers.js';
import { badInput, conflict, exchangeError, forbidden, notFound } from '../../kernel/errors.js';
import { inReadScope } from '../../kernel/scope.js';
import { bankId, text, validateEdit, validateSubmission } from './need-input.js';
import { chooseMainBank } from './main-bank.js';
import { needScope, type FeedbackRow, type NeedRow } from '../repository.js';
import type { EditFinancingNeedInput, SubmitFinancingNeedInput } from '../generated/resolvers.js';
import { financingNeeds, needFeedback } from '../tables.js';
import { bankClaimStanding, needClaims } from './tables.js';

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

/** The facts of the main-bank rule (`main-bank.ts`) the finance office gives at triage. */
export interface MainBankEvidence {
  basicAccountBankId?: string | null;
  largestLenderId?: string | null;
}

/** No claim is ever refused (for callers built without the configuration). */
const NO_THROTTLE: ClaimThrottle = {
  maxPerHour: 0,
  declineWindow: 1,
  declineMinimum: 0,
  declineRatio: '1',
  cooldownMinutes: 1,
};

/** A bank's claims are refused until `until`, and why: said in full to the bank. */
function claimsSuspended(bank: string, until: Date, reason: string): GraphQLError {
  return exchangeError(
    'CLAIMS_SUSPENDED',
    `claims by bank "${bank}" are suspended until ${until.toISOString()}: ${reason}`,
    { suspendedUntil: until.toISOString() },
  );
}

/** Millionths of a decimal rate, exact: "0.5" → 500000. */
function rateMicros(rate: string): number {
  const [whole, fraction = ''] = rate.split('.');
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

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
    private readonly throttleRules: ClaimThrottle = NO_THROTTLE,
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

  /**
   * The need in the caller's read scope (`needScope`, the filter of its queries), optionally
   * locked; a need it cannot read is NOT_FOUND exactly like a missing one. Every transition
   * looks its need up here first, before any state is checked.
   */
  private visible(db: Db, id: string, lock = false): Promise<NeedRow> {
    const query = db
      .select()
      .from(financingNeeds)
      .where(and(eq(financingNeeds.id, id), needScope(this.caller)));
    return inReadScope(lock ? query.for('update') : query, 'financing need', id);
  }

  private async load(db: Db, id: string, lock = false): Promise<NeedRow | undefined> {
    const query = db.select().from(financingNeeds).where(eq(financingNeeds.id, id));
    const [row] = await (lock ? query.for('update') : query);
    return row;
  }

  async submit(input: SubmitFinancingNeedInput): Promise<NeedRow> {
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

  async edit(id: string, input: EditFinancingNeedInput): Promise<NeedRow> {
    const enterpriseId = this.enterpriseId();
    const changes = validateEdit(input);
    return this.db.transaction(async (tx) => {
      const need = await this.visible(tx as unknown as Db, id, true);
      if (need.enterpriseId !== enterpriseId) throw notFound('financing need', id);
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
    await this.visible(this.db, id);
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
      const need = await this.visible(tx as unknown as Db, id, true);
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
      const declined = await declinedBanks(tx as unknown as Db, id);
      const chosen = chooseMainBank(
        {
          NAMED_BY_ENTERPRISE: need.preferredBankId,
          BASIC_ACCOUNT: basicAccount,
          LARGEST_LENDER: largestLender,
        },
        declined,
      );
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
        .set({
          status: 'ASSIGNED',
          mainBankId: chosen.bankId,
          mainBankBasis: chosen.basis,
          ...assignNow,
        })
        .where(eq(financingNeeds.id, id))
        .returning();
      return row;
    });
  }

  /**
   * The facts the main-bank rule needs and the finance office did not give: the basic-account
   * bank from the technology bureau's library, the largest lender from the banks' credit. Asked
   * only for a main-bank-only need that is still SUBMITTED, on the caller's delegated tokens, and
   * not when the bank the enterprise named will be chosen anyway (it comes first in the rule).
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
      need.status !== 'SUBMITTED' ||
      (need.preferredBankId !== null &&
        !(await declinedBanks(this.db, id)).includes(need.preferredBankId))
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
   * 抢单. The need is looked up in the bank's read scope first (a need it cannot read is
   * NOT_FOUND like a missing one), and a need the bank declined before is refused. Then, in one
   * transaction holding the bank's standing row (so its claims are counted one at a time however
   * many arrive at once), the throttle may refuse it, and the claim is one statement: a
   * conditional UPDATE of the need that records the claim in `need_claims` from what it
   * returns. Under concurrent claims PostgreSQL serialises the UPDATEs on the need's row lock, and
   * each waiting one re-checks `status = 'OPEN'` on the winner's version and matches nothing (and
   * so records nothing). The standing row is held for two statements and the commit: every claim
   * of a bank waits that long for the one before it.
   */
  async claim(id: string): Promise<NeedRow> {
    const bank = this.bankId();
    await this.visible(this.db, id);
    const outcome = await this.db.transaction(async (transaction) => {
      const tx = transaction as unknown as Db;
      const [declined] = await tx
        .select({ answeredAt: needFeedback.answeredAt })
        .from(needFeedback)
        .where(
          and(
            eq(needFeedback.needId, id),
            eq(needFeedback.bankId, bank),
            eq(needFeedback.accepted, false),
          ),
        )
        .limit(1);
      if (declined) return { declined: declined.answeredAt };
      const refusal = await this.throttle(tx, bank);
      if (refusal) return { refusal };
      const claimed = tx.$with('claimed').as(
        tx
          .update(financingNeeds)
          .set({ status: 'ASSIGNED', mainBankId: bank, mainBankBasis: 'CLAIMED', ...assignNow })
          .where(
            and(
              eq(financingNeeds.id, id),
              eq(financingNeeds.status, 'OPEN'),
              eq(financingNeeds.visibility, 'OPEN_TO_ALL_BANKS'),
            ),
          )
          .returning(),
      );
      const recorded = tx.$with('recorded').as(
        tx
          .insert(needClaims)
          .select(
            tx
              .select({
                id: sql<string>`${`claim-${randomUUID()}`}`.as('id'),
                needId: claimed.id,
                bankId: claimed.mainBankId,
                claimedAt: sql<Date>`now()`.as('claimed_at'),
                releasedAt: sql<Date | null>`null::timestamptz`.as('released_at'),
                outcome: sql<string | null>`null::text`.as('outcome'),
              })
              .from(claimed),
          )
          .returning({ id: needClaims.id }),
      );
      const [row] = await tx.with(claimed, recorded).select().from(claimed);
      return { row: row as NeedRow | undefined };
    });
    if (outcome.refusal) throw outcome.refusal;
    if (outcome.declined) {
      throw conflict(
        `financing need "${id}": your bank declined it on ${outcome.declined.toISOString()}; ` +
          'a bank does not claim a need again after declining it',
      );
    }
    if (outcome.row) return outcome.row;
    // The need was in the bank's scope a moment ago; why the claim matched nothing.
    const need = await this.load(this.db, id);
    if (!need) throw notFound('financing need', id);
    if (need.visibility !== 'OPEN_TO_ALL_BANKS') {
      throw conflict(`financing need "${id}" is main-bank-only: it is assigned, not claimed`);
    }
    if (need.mainBankId === bank)
      throw conflict(`financing need "${id}" is already claimed by you`);
    if (need.mainBankId) throw conflict(`financing need "${id}" is already claimed`);
    throw conflict(`financing need "${id}" is ${need.status}: only an OPEN need can be claimed`);
  }

  /**
   * The claim throttle (`CLAIM_*`): a suspended bank is refused until its suspension ends; a bank
   * whose claims of the last hour reached `maxPerHour`, or which declined more than
   * `declineRatio` of its latest `declineWindow` claims (at least `declineMinimum` of them), is
   * suspended now for `cooldownMinutes`. Claims judged by a suspension are not counted again
   * after it. Locks the bank's standing row for the rest of the transaction; a suspension is
   * written and committed, the refusal returned for the caller to raise.
   */
  private async throttle(tx: Db, bank: string): Promise<GraphQLError | null> {
    const rules = this.throttleRules;
    const lockStanding = () =>
      tx
        .select({
          suspendedUntil: bankClaimStanding.suspendedUntil,
          suspendedReason: bankClaimStanding.suspendedReason,
          suspended: sql<boolean>`coalesce(${bankClaimStanding.suspendedUntil} > now(), false)`,
          countedFrom: bankClaimStanding.countedFrom,
        })
        .from(bankClaimStanding)
        .where(eq(bankClaimStanding.bankId, bank))
        .for('update');
    // The row exists from a bank's first claim on; that first claim writes it, then locks it.
    let [standing] = await lockStanding();
    if (!standing) {
      await tx.insert(bankClaimStanding).values({ bankId: bank }).onConflictDoNothing();
      [standing] = await lockStanding();
    }
    if (standing.suspended) {
      return claimsSuspended(bank, standing.suspendedUntil!, standing.suspendedReason ?? '');
    }
    if (rules.maxPerHour <= 0 && rules.declineMinimum <= 0) return null;
    const c = needClaims;
    const counted = standing.countedFrom ? gt(c.claimedAt, standing.countedFrom) : undefined;
    // The last hour's claims are counted up to the limit, not past it: all the rule asks is
    // whether the limit is reached, and a bank claiming all hour long is not counted in full on
    // every claim while its row is held.
    const lastHour =
      rules.maxPerHour > 0
        ? sql<number>`(select count(*)::int from (select 1 from ${c} where ${c.bankId} = ${bank} and ${c.claimedAt} > now() - interval '1 hour' ${counted ? sql`and ${counted}` : sql``} limit ${rules.maxPerHour}) as hour)`
        : sql<number>`0`;
    const [figures] = await tx
      .select({
        lastHour,
        recent: sql<number>`count(*)::int`,
        declined: sql<number>`count(*) filter (where ${sql.identifier('outcome')} = 'DECLINED')::int`,
      })
      .from(
        tx
          .select({ outcome: c.outcome })
          .from(c)
          .where(and(eq(c.bankId, bank), counted))
          .orderBy(desc(c.claimedAt))
          .limit(rules.declineWindow)
          .as('recent'),
      );
    let reason: string | null = null;
    if (rules.maxPerHour > 0 && figures.lastHour >= rules.maxPerHour) {
      reason =
        `${figures.lastHour} claims in the last hour, the most allowed ` +
        `(CLAIM_MAX_PER_HOUR) is ${rules.maxPerHour}`;
    } else if (
      rules.declineMinimum > 0 &&
      figures.recent >= rules.declineMinimum &&
      figures.declined * 1_000_000 > figures.recent * rateMicros(rules.declineRatio)
    ) {
      reason =
        `${figures.declined} of its last ${figures.recent} claims were declined, more than the ` +
        `allowed share of ${rules.declineRatio} (CLAIM_DECLINE_RATIO)`;
    }
    if (!reason) return null;
    const [suspension] = await tx
      .update(bankClaimStanding)
      .set({
        suspendedUntil: sql`now() + make_interval(mins => ${rules.cooldownMinutes})`,
        countedFrom: sql`now()`,
        suspendedReason: reason,
      })
      .where(eq(bankClaimStanding.bankId, bank))
      .returning({ until: bankClaimStanding.suspendedUntil });
    return claimsSuspended(bank, suspension.until!, reason);
  }

  /** DECLINED: the enterprise will not take the offer, or its main bank will not lend. */
  async decline(id: string, reasonText: string): Promise<NeedRow> {
    const party = this.caller.party;
    if ((party !== 'enterprise' && party !== 'bank') || !this.caller.org) {
      throw forbidden('only the enterprise or its main bank declines a financing need');
    }
    const reason = text(reasonText, 'reason');
    await this.visible(this.db, id);
    const owner =
      party === 'enterprise'
        ? eq(financingNeeds.enterpriseId, this.caller.org)
        : eq(financingNeeds.mainBankId, this.caller.org);
    const row = await this.db.transaction(async (tx) => {
      const [declined] = await tx
        .update(financingNeeds)
        .set({
          status: 'DECLINED',
          declinedBy: party === 'enterprise' ? 'ENTERPRISE' : 'BANK',
          declineReason: reason,
          declinedAt: sql`now()`,
        })
        .where(and(eq(financingNeeds.id, id), owner, inArray(financingNeeds.status, DECLINABLE)))
        .returning();
      if (declined && party === 'bank') {
        await releaseClaim(tx as unknown as Db, id, this.caller.org!);
      }
      return declined;
    });
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
    await this.visible(this.db, id);
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
      if (!accept) await releaseClaim(tx as unknown as Db, id, bank);
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

/** Banks that declined this need: the main-bank rule does not assign it to them again. */
async function declinedBanks(db: Db, needId: string): Promise<string[]> {
  const rows = await db
    .select({ bankId: needFeedback.bankId })
    .from(needFeedback)
    .where(and(eq(needFeedback.needId, needId), eq(needFeedback.accepted, false)));
  return rows.map((r) => r.bankId);
}

/** The bank gave back a need it had claimed: its open claim of that need counts as declined. */
async function releaseClaim(tx: Db, needId: string, bankId: string): Promise<void> {
  await tx
    .update(needClaims)
    .set({ releasedAt: sql`now()`, outcome: 'DECLINED' })
    .where(
      and(
        eq(needClaims.needId, needId),
        eq(needClaims.bankId, bankId),
        isNull(needClaims.releasedAt),
      ),
    );
}
