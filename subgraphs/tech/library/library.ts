import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import { currentYear, today } from '../../kernel/clock.js';
import type { Db } from '../../kernel/db.js';
import type { PeerClient } from '../../kernel/peers.js';
import { badInput, conflict, exchangeError, forbidden, notFound } from '../../kernel/errors.js';
import { usccProblem } from '../../kernel/identifiers.js';
import { boundedText } from '../../kernel/text.js';
import { anyOf } from '../../kernel/sql.js';
import { assess } from '../assessment/index.js';
import { INVENTION_KINDS, type EnterpriseRow } from '../repository.js';
import type {
  AnnualFinancialsInput,
  EnterpriseContactInput,
  LibraryAction,
  RegisterEnterpriseInput,
  UpdateEnterpriseInput,
} from '../generated/resolvers.js';
import {
  annualFinancials,
  enterprises,
  libraryAssessments,
  libraryEvents,
  patents,
} from '../tables.js';

/** Which standing each action leaves from, and where it leads. */
const TRANSITIONS: Record<LibraryAction, { from: string[]; to: string }> = {
  ADMIT: { from: ['CANDIDATE', 'SUSPENDED'], to: 'ADMITTED' },
  SUSPEND: { from: ['ADMITTED'], to: 'SUSPENDED' },
  REMOVE: { from: ['CANDIDATE', 'ADMITTED', 'SUSPENDED'], to: 'REMOVED' },
  RECONSIDER: { from: ['REMOVED'], to: 'CANDIDATE' },
};

/** Fields an enterprise may change about itself; the rest are the bureau's records. */
const SELF_EDITABLE = new Set(['stage', 'contact', 'basicAccountBankId']);

const INDUSTRY = /^[A-T]\d{2}(\d{1,2})?$/;
const PHONE = /^(1\d{10}|0\d{2,3}-?\d{7,8})$/;

function text(field: string, value: string, max: number): string {
  return boundedText(value, field, max);
}

function checkContact(contact: EnterpriseContactInput): EnterpriseContactInput {
  const phone = contact.phone.trim();
  if (!PHONE.test(phone)) {
    throw badInput(
      'input.contact.phone',
      'must be a mobile number (1 and 10 digits) or a landline with area code',
    );
  }
  return {
    legalRepresentative: text('input.contact.legalRepresentative', contact.legalRepresentative, 50),
    contactPerson: text('input.contact.contactPerson', contact.contactPerson, 50),
    phone,
    address: text('input.contact.address', contact.address, 200),
  };
}

function checkIndustry(industry: string): string {
  const code = industry.trim().toUpperCase();
  if (!INDUSTRY.test(code))
    throw badInput('input.industry', 'must be a GB/T 4754 code such as "C39" or "C3911"');
  return code;
}

function checkCertificate(
  certificate: string | null | undefined,
  validUntil: string | null | undefined,
) {
  if (certificate && !/^GR\d{12}$/.test(certificate.trim())) {
    throw badInput(
      'input.highTechCertificate',
      'must look like GR202442001234 (GR, year, 8 digits)',
    );
  }
  if (certificate && !validUntil)
    throw badInput('input.highTechValidUntil', 'is required with a certificate');
}

/** What finance's copy of the library holds (see `syncProfile`). */
const PROFILE_FIELDS = ['name', 'district', 'industry', 'stage', 'highTechCertificate'] as const;

const PARTICIPATING_BANK = `query ParticipatingBank($bankId: ID!) {
  _participatingBank(bankId: $bankId)
}`;

/** A bank id's shape (letters, digits, "-" or "_"), before the banks are asked. */
const BANK_ID = /^[A-Za-z0-9_-]{1,64}$/;

const SYNC_PROFILE = `mutation SyncEnterpriseProfile($profile: EnterpriseProfileInput!) {
  _syncEnterpriseProfile(profile: $profile)
}`;

/** The technology bureau's library workflow: registration, profile, financials, assessment, standing. */
export class LibraryWorkflow {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
    private readonly peers: PeerClient,
  ) {}

  /**
   * Sends finance the enterprise's profile as this transaction leaves it (finance keeps a copy to
   * filter feeds and judge product eligibility). Inside the transaction: if finance cannot take
   * it, the library write is undone too, so the copy never lags a committed change.
   */
  private async syncProfile(tx: Db, enterprise: EnterpriseRow): Promise<void> {
    // Public data only (see `PatentCounts`): pledge status stays behind its consent.
    const count = (condition: SQL) => sql<number>`(count(*) filter (where ${condition}))::int`;
    const [counts] = await tx
      .select({
        patents: sql<number>`count(*)::int`,
        inventions: count(inArray(patents.kind, INVENTION_KINDS)),
        grantedPatents: count(eq(patents.status, 'GRANTED')),
      })
      .from(patents)
      .where(eq(patents.enterpriseId, enterprise.id));
    await this.peers.request('finance', SYNC_PROFILE, {
      profile: {
        enterpriseId: enterprise.id,
        name: enterprise.name,
        uscc: enterprise.uscc,
        district: enterprise.district,
        industry: enterprise.industry,
        stage: enterprise.stage,
        highTech: enterprise.highTechCertificate != null,
        highTechCertificate: enterprise.highTechCertificate,
        libraryStatus: enterprise.libraryStatus,
        ...counts,
      },
    });
  }

  /**
   * A basic-settlement-account bank must be a participating bank: the banks subgraph, which
   * keeps the banks, is asked on the caller's delegated token. Anything else is BAD_USER_INPUT
   * naming the field, before anything is written.
   */
  private async participatingBank(value: string): Promise<string> {
    const bankId = value.trim();
    const refused = () =>
      badInput(
        'input.basicAccountBankId',
        `"${value}" is not a participating bank: name one of the banks of the exchange`,
      );
    if (!BANK_ID.test(bankId)) throw refused();
    const data = await this.peers.request<{ _participatingBank: boolean }>(
      'banks',
      PARTICIPATING_BANK,
      { bankId },
    );
    if (!data._participatingBank) throw refused();
    return bankId;
  }

  async register(input: RegisterEnterpriseInput): Promise<EnterpriseRow> {
    const uscc = input.uscc.trim().toUpperCase();
    const problem = usccProblem(uscc);
    if (problem) throw badInput('input.uscc', problem);
    if (input.foundedOn > today()) throw badInput('input.foundedOn', 'must not be in the future');
    checkCertificate(input.highTechCertificate, input.highTechValidUntil);
    const contact = checkContact(input.contact);
    const basicAccountBankId =
      input.basicAccountBankId == null
        ? null
        : await this.participatingBank(input.basicAccountBankId);
    const row = {
      id: `ent-${randomUUID()}`,
      uscc,
      name: text('input.name', input.name, 100),
      district: input.district,
      industry: checkIndustry(input.industry),
      stage: input.stage,
      foundedOn: input.foundedOn,
      highTechCertificate: input.highTechCertificate?.trim() || null,
      highTechValidUntil: input.highTechValidUntil ?? null,
      techSmeRegistered: input.techSmeRegistered ?? false,
      libraryStatus: 'CANDIDATE',
      ...contact,
      basicAccountBankId,
    };
    return this.db.transaction(async (tx) => {
      const inserted = await tx.insert(enterprises).values(row).onConflictDoNothing().returning();
      if (inserted.length === 0) {
        throw conflict(`an enterprise with USCC ${uscc} is already registered`);
      }
      await tx.insert(libraryEvents).values({
        id: randomUUID(),
        enterpriseId: row.id,
        fromStatus: null,
        toStatus: 'CANDIDATE',
        reason: '申报入库 — registered',
        actor: this.caller.sub,
      });
      await this.syncProfile(tx as unknown as Db, inserted[0]);
      return inserted[0];
    });
  }

  /**
   * The bureau may edit any enterprise; an enterprise only itself, and only its own fields. An
   * enterprise reads no other enterprise, so another id is NOT_FOUND exactly like a missing one.
   */
  private assertMayEdit(id: string, fields: string[]): void {
    if (this.caller.party === 'tech_bureau') return;
    if (this.caller.party !== 'enterprise') {
      throw forbidden('an enterprise may change only its own profile');
    }
    if (this.caller.org !== id) throw notFound('enterprise', id);
    const foreign = fields.filter((f) => !SELF_EDITABLE.has(f));
    if (foreign.length) {
      throw forbidden(
        `${foreign.join(', ')}: recorded by the technology bureau, not by the enterprise`,
      );
    }
  }

  async update(id: string, input: UpdateEnterpriseInput): Promise<EnterpriseRow> {
    const given = Object.entries(input).filter(([, v]) => v !== undefined && v !== null);
    if (given.length === 0) throw badInput('input', 'name at least one field to change');
    this.assertMayEdit(
      id,
      given.map(([k]) => k),
    );
    const changes: Partial<typeof enterprises.$inferInsert> = { updatedAt: new Date() };
    if (input.name != null) changes.name = text('input.name', input.name, 100);
    if (input.district != null) changes.district = input.district;
    if (input.industry != null) changes.industry = checkIndustry(input.industry);
    if (input.stage != null) changes.stage = input.stage;
    if (input.highTechCertificate != null) {
      checkCertificate(input.highTechCertificate, input.highTechValidUntil);
      changes.highTechCertificate = input.highTechCertificate.trim();
    }
    if (input.highTechValidUntil != null) changes.highTechValidUntil = input.highTechValidUntil;
    if (input.techSmeRegistered != null) changes.techSmeRegistered = input.techSmeRegistered;
    if (input.contact != null) Object.assign(changes, checkContact(input.contact));
    if (input.basicAccountBankId != null) {
      changes.basicAccountBankId = await this.participatingBank(input.basicAccountBankId);
    }
    const profileChanged = PROFILE_FIELDS.some((field) => changes[field] !== undefined);
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(enterprises)
        .set(changes)
        .where(eq(enterprises.id, id))
        .returning();
      if (!row) throw notFound('enterprise', id);
      if (profileChanged) await this.syncProfile(tx as unknown as Db, row);
      return row;
    });
  }

  async submitFinancials(
    enterpriseId: string,
    input: AnnualFinancialsInput,
  ): Promise<EnterpriseRow> {
    this.assertMayEdit(enterpriseId, []);
    const thisYear = currentYear();
    if (!Number.isInteger(input.year) || input.year < 1980 || input.year > thisYear) {
      throw badInput('input.year', `must be between 1980 and ${thisYear}`);
    }
    for (const field of ['revenue', 'rdExpense', 'totalAssets'] as const) {
      if (input[field] < 0) throw badInput(`input.${field}`, 'must not be negative');
    }
    if (!Number.isInteger(input.employees) || input.employees < 1) {
      throw badInput('input.employees', 'must be a whole number of at least 1');
    }
    if (
      !Number.isInteger(input.techStaff) ||
      input.techStaff < 0 ||
      input.techStaff > input.employees
    ) {
      throw badInput('input.techStaff', 'must be a whole number between 0 and employees');
    }
    const row = {
      enterpriseId,
      year: input.year,
      revenueFen: input.revenue,
      rdExpenseFen: input.rdExpense,
      employees: input.employees,
      techStaff: input.techStaff,
      totalAssetsFen: input.totalAssets,
    };
    return this.db.transaction(async (tx) => {
      const [enterprise] = await tx
        .select()
        .from(enterprises)
        .where(eq(enterprises.id, enterpriseId))
        .for('update');
      if (!enterprise) throw notFound('enterprise', enterpriseId);
      await tx
        .insert(annualFinancials)
        .values(row)
        .onConflictDoUpdate({
          target: [annualFinancials.enterpriseId, annualFinancials.year],
          set: row,
        });
      return enterprise;
    });
  }

  async assess(id: string, year?: number | null) {
    return this.db.transaction(async (tx) => {
      const [enterprise] = await tx.select().from(enterprises).where(eq(enterprises.id, id));
      if (!enterprise) throw notFound('enterprise', id);
      const years = await tx
        .select()
        .from(annualFinancials)
        .where(
          and(
            eq(annualFinancials.enterpriseId, id),
            year ? lte(annualFinancials.year, year) : undefined,
          ),
        )
        .orderBy(desc(annualFinancials.year))
        .limit(2);
      const [latest, previous] = years;
      if (!latest || (year && latest.year !== year)) {
        throw badInput('year', `no annual financials submitted for ${year ?? 'any year'}`);
      }
      const [counts] = await tx
        .select({
          inventions: sql<number>`count(*) filter (where ${patents.kind} in ('INVENTION', 'PCT_INVENTION'))::int`,
          others: sql<number>`count(*) filter (where ${patents.kind} not in ('INVENTION', 'PCT_INVENTION'))::int`,
        })
        .from(patents)
        .where(
          and(
            eq(patents.enterpriseId, id),
            eq(patents.status, 'GRANTED'),
            lte(patents.grantedOn, `${latest.year}-12-31`),
          ),
        );
      const result = assess({
        revenueFen: latest.revenueFen,
        rdExpenseFen: latest.rdExpenseFen,
        employees: latest.employees,
        techStaff: latest.techStaff,
        grantedInventions: counts.inventions,
        grantedOthers: counts.others,
        revenueGrowth:
          previous && previous.year === latest.year - 1 && previous.revenueFen > 0
            ? latest.revenueFen / previous.revenueFen - 1
            : 0,
      });
      const row = { enterpriseId: id, year: latest.year, ...result, assessedAt: new Date() };
      const [stored] = await tx
        .insert(libraryAssessments)
        .values(row)
        .onConflictDoUpdate({ target: libraryAssessments.enterpriseId, set: row })
        .returning();
      return stored;
    });
  }

  async changeStatus(id: string, action: LibraryAction, reason: string): Promise<EnterpriseRow> {
    const why = text('reason', reason, 500);
    const transition = TRANSITIONS[action];
    return this.db.transaction(async (tx) => {
      const [enterprise] = await tx
        .select()
        .from(enterprises)
        .where(eq(enterprises.id, id))
        .for('update');
      if (!enterprise) throw notFound('enterprise', id);
      if (!transition.from.includes(enterprise.libraryStatus)) {
        throw exchangeError(
          'CONFLICT',
          `cannot ${action} an enterprise that is ${enterprise.libraryStatus} (allowed from ${transition.from.join(', ')})`,
        );
      }
      const [updated] = await tx
        .update(enterprises)
        .set({ libraryStatus: transition.to, updatedAt: new Date() })
        .where(eq(enterprises.id, id))
        .returning();
      await tx.insert(libraryEvents).values({
        id: randomUUID(),
        enterpriseId: id,
        fromStatus: enterprise.libraryStatus,
        toStatus: transition.to,
        reason: why,
        actor: this.caller.sub,
      });
      await this.syncProfile(tx as unknown as Db, updated);
      return updated;
    });
  }

  async historyByEnterprises(ids: readonly string[]) {
    return this.db
      .select()
      .from(libraryEvents)
      .where(anyOf(libraryEvents.enterpriseId, ids))
      .orderBy(asc(libraryEvents.enterpriseId), asc(libraryEvents.at));
  }
}
