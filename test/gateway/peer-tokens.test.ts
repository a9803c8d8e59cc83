import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { mutationRootFields, SignedDataSource } from '../../gateway/data-source.js';
import type { GatewayContext } from '../../gateway/context.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../subgraphs/kernel/keys.js';
import { peersOfMutation } from '../../subgraphs/kernel/peers.js';

const caller = {
  sub: 'dev-bank-icbc',
  party: 'bank' as const,
  org: 'icbc',
  scopes: new Set(['credit:own']),
  requestId: 'req-7',
};

describe('delegated peer tokens', () => {
  let dir: string;
  let key: SigningKey;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-peers-'));
    key = await loadOrCreateSigningKey(path.join(dir, 'gateway.json'), 'gateway');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The headers the gateway sets for one subgraph fetch. */
  async function headersFor(subgraph: string, query: string) {
    const source = new SignedDataSource(subgraph, 'http://127.0.0.1:9/graphql', key, 60);
    return new Headers(
      await source.headers(query, { caller, requestId: 'req-7' } as unknown as GatewayContext),
    );
  }

  it('reads the root fields of a mutation, and none of a query', () => {
    expect(
      mutationRootFields(
        'mutation($a:ProposeSolutionInput!,$k:String!){proposeSolution(input:$a,idempotencyKey:$k){solution{id}}}',
      ),
    ).toEqual(['proposeSolution']);
    expect(mutationRootFields('{financingNeed(id:"n"){id}}')).toEqual([]);
    expect(mutationRootFields('not graphql')).toEqual([]);
  });

  it('names the peers of the mutations that write to one, and no others', () => {
    expect(peersOfMutation('banks', ['proposeSolution'])).toEqual(['finance']);
    expect(peersOfMutation('finance', ['triageFinancingNeed'])).toEqual(['tech', 'banks']);
    expect(peersOfMutation('finance', ['claimFinancingNeed'])).toEqual([]);
    expect(peersOfMutation('exchange', ['grantConsent'])).toEqual([]);
  });

  it('hands a peer token to a mutation that needs one: audience the peer, actor the subgraph', async () => {
    const headers = await headersFor(
      'banks',
      'mutation($a:DisburseLoanInput!,$k:String!){disburseLoan(input:$a,idempotencyKey:$k){loan{id}}}',
    );
    const own = decodeJwt(headers.get('authorization')!.slice('Bearer '.length));
    expect(own).toMatchObject({ aud: 'banks', party: 'bank', org: 'icbc', rid: 'req-7' });
    expect(own.act).toBeUndefined();
    const delegated = decodeJwt(headers.get('x-peer-token-finance')!);
    expect(delegated).toMatchObject({
      aud: 'finance',
      party: 'bank',
      org: 'icbc',
      act: { sub: 'banks' },
    });
  });

  it('hands none to a query, nor to a mutation that writes to no peer', async () => {
    const query = await headersFor('banks', '{creditLines(first:5){nodes{id}}}');
    expect(query.get('x-peer-token-finance')).toBeNull();
    const claim = await headersFor(
      'finance',
      'mutation($id:ID!){claimFinancingNeed(id:$id){need{id}}}',
    );
    expect(claim.get('x-peer-token-tech')).toBeNull();
    expect(claim.get('x-peer-token-banks')).toBeNull();
    expect(claim.get('authorization')).toMatch(/^Bearer /);
  });
});
