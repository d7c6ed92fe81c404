import type { Party } from '@tandem/schema';
import { createContextCache } from '@pothos/core';
import { getParty, listParties } from '@tandem/core';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { PartyKindEnum } from './enums.graphql.js';

export const PartyRef = builder.objectRef<Party>('Party');

const directoryOf = createContextCache((): { parties?: Promise<Party[]> } => ({}));

/** The party directory (every participant sees it), read once per request however many lookups ask. */
export function partyDirectory(context: GraphQLContext): Promise<Party[]> {
  const directory = directoryOf(context);
  directory.parties ??= listParties(context.em);
  return directory.parties;
}

PartyRef.implement({
  description: 'A participant in the value chain: the manufacturer, a dealer, an interaction center or another partner.',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: PartyKindEnum, resolve: (party) => party.kind }),
    name: t.exposeString('name'),
    country: t.exposeString('country', { description: 'ISO 3166-1 alpha-2.' }),
    timeZone: t.exposeString('timeZone', { description: 'IANA time zone.' }),
    brands: t.exposeStringList('brands'),
    clients: t.stringList({
      description: 'Interaction centers: the client parties served. Only the center itself and each client (for itself) see this.',
      resolve: (party, _args, context) => {
        const viewer = context.principal?.party;
        if (viewer === party.id) return party.clients;
        return party.clients.filter((client) => client === viewer);
      },
    }),
  }),
});

builder.queryFields((t) => ({
  parties: t.field({
    type: [PartyRef],
    description: 'Every party of the network (the directory every participant sees).',
    authScopes: { authenticated: true },
    resolve: (_root, _args, context) => partyDirectory(context),
  }),
  party: t.field({
    type: PartyRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    authScopes: { authenticated: true },
    resolve: async (_root, args, context) => (await partyDirectory(context)).find((party) => party.id === String(args.id)) ?? null,
  }),
  viewerParty: t.field({
    type: PartyRef,
    description: "The caller's own party.",
    authScopes: { authenticated: true },
    resolve: (_root, _args, context) => getParty(context.em, context.principal!.party),
  }),
}));
