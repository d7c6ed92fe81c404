import { z } from 'zod';
import { listAccessAudit, type AccessAuditCursor, type AccessAuditEntryRow } from '@tandem/core';
import { hubId, TandemError } from '@tandem/schema';
import { requireRole } from '../auth/capability.js';
import { builder } from './builder.js';
import { DataClassEnum } from './enums.graphql.js';

const AccessAuditEntryRef = builder.objectRef<AccessAuditEntryRow>('AccessAuditEntry').implement({
  description: "One request's read of one customer's personal data: who, as which party, which data classes, under which agreements, when.",
  fields: (t) => ({
    id: t.exposeID('id'),
    at: t.field({ type: 'DateTime', resolve: (entry) => entry.at }),
    principal: t.exposeString('principal', { description: "The reader's subject (user or connector)." }),
    role: t.exposeString('role'),
    party: t.exposeID('party', { description: 'The reading party.' }),
    actingFor: t.id({ nullable: true, description: 'Interaction-center agents: the client acted for.', resolve: (entry) => entry.actingFor ?? null }),
    customerId: t.id({ resolve: (entry) => entry.customer }),
    dataClasses: t.field({ type: [DataClassEnum], resolve: (entry) => entry.dataClasses }),
    agreementIds: t.idList({ description: "The sharing agreements that made the data visible; empty when it was the reader's own.", resolve: (entry) => entry.agreementIds }),
    requestId: t.exposeString('requestId'),
  }),
});

builder.queryFields((t) => ({
  accessAudit: t.connection({
    type: AccessAuditEntryRef,
    description:
      "Data-protection officers only: who read a customer's personal data, newest first — the reads by the officer's own party and the reads of data its party granted to others.",
    args: { customerId: t.arg.id({ required: true, validate: hubId }) },
    validate: z.looseObject({ first: z.number().int().min(1, 'must be at least 1').max(200, 'must be at most 200').nullish() }),
    authScopes: { authenticated: true },
    resolve: async (_root, args, context) => {
      requireRole(context.principal!, 'dpo');
      const first = args.first ?? 50;
      const after = args.after ? decodeAuditCursor(args.after) : undefined;
      const page = await listAccessAudit(context.em, context.principal!.party, String(args.customerId), after ? { first, after } : { first });
      const edges = page.entries.map((entry) => ({ cursor: encodeAuditCursor(entry), node: entry }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: Boolean(after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  }),
}));

function encodeAuditCursor(position: AccessAuditCursor): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString('base64url');
}

function decodeAuditCursor(cursor: string): AccessAuditCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('shape');
    return { at: date, id };
  } catch {
    throw new TandemError('BAD_INPUT', 'BAD_CURSOR', 'after: is not a cursor returned by this API', { issues: [{ path: 'after', message: 'is not a cursor returned by this API' }] });
  }
}
