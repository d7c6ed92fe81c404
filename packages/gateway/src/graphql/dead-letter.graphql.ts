import { z } from 'zod';
import { DeadLetterEntity, listDeadLetters, type DeadLetterRow } from '@tandem/core';
import { TandemError } from '@tandem/schema';
import type { Principal } from '../auth/principal.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';

const FieldIssueRef = builder.objectRef<{ path: string; message: string }>('FieldIssue').implement({
  description: 'One problem with one field: the path names the field, the message the reason.',
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
});

export const DeadLetterRef = builder.objectRef<DeadLetterRow>('DeadLetter').implement({
  description: 'A message that could not be decoded or applied, kept with its original bytes until replayed (`tandem dlq replay`).',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.field({ type: 'DateTime', resolve: (letter) => letter.createdAt }),
    party: t.id({ nullable: true, resolve: (letter) => letter.party ?? null }),
    source: t.string({ description: 'Where it came from, as JSON: a bus position, a webhook request or a file row.', resolve: (letter) => JSON.stringify(letter.source) }),
    errorCode: t.exposeString('errorCode'),
    errorMessage: t.exposeString('errorMessage'),
    issues: t.field({ type: [FieldIssueRef], resolve: (letter) => letter.issues }),
    originalBase64: t.string({ resolve: (letter) => Buffer.from(letter.originalBytes).toString('base64') }),
    replayedAt: t.field({ type: 'DateTime', nullable: true, resolve: (letter) => letter.replayedAt ?? null }),
  }),
});

const DeadLetterPageRef = builder.objectRef<{ items: DeadLetterRow[]; hasNextPage: boolean }>('DeadLetterPage').implement({
  fields: (t) => ({
    items: t.field({ type: [DeadLetterRef], resolve: (page) => page.items }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.id({ nullable: true, resolve: (page) => page.items.at(-1)?.id ?? null }),
  }),
});

builder.queryFields((t) => ({
  deadLetters: t.field({
    type: DeadLetterPageRef,
    description: "Operators: newest first. An admin sees every party's (optionally one party's); anyone else only their own party's.",
    args: {
      party: t.arg.id(),
      pending: t.arg.boolean({ description: 'Only letters not yet replayed.' }),
      first: t.arg.int({ validate: z.number().int().min(1, 'must be at least 1').max(200, 'must be at most 200').nullish() }),
      after: t.arg.id(),
    },
    authScopes: { authenticated: true },
    resolve: (_root, args, context) => {
      const principal = context.principal!;
      const requested = args.party ? String(args.party) : undefined;
      if (readableParty(principal) && requested && requested !== principal.party) {
        throw new TandemError('FORBIDDEN', 'NOT_YOUR_PARTY', "party: only an admin sees another party's dead letters");
      }
      const party = readableParty(principal) ?? requested;
      return listDeadLetters(context.em, {
        limit: args.first ?? 50,
        ...(party ? { party } : {}),
        ...(args.pending ? { pending: true } : {}),
        ...(args.after ? { after: String(args.after) } : {}),
      });
    },
  }),
}));

/** Whose dead letters a principal reads: an admin every party's (undefined), anyone else only its own party's. */
function readableParty(principal: Principal): string | undefined {
  return principal.role === 'admin' ? undefined : principal.party;
}

/** Dead letters by id that the caller may read (`deadLetters`' rule); the others are simply absent. */
export async function loadVisibleDeadLetters(context: GraphQLContext, ids: readonly string[]): Promise<DeadLetterRow[]> {
  if (ids.length === 0 || !context.principal) return [];
  const party = readableParty(context.principal);
  return context.em.find(DeadLetterEntity, { id: { $in: [...ids] }, ...(party ? { party } : {}) });
}
