import { z } from 'zod';
import type { Grant, Sourced } from '@tandem/core';
import type { PartyId } from '@tandem/schema';
import { searchCustomers } from '@tandem/core';
import { builder } from './builder.js';
import type { ActivityView, CustomerView } from './context.js';
import { ChannelEnum, ContactLabelEnum, CustomerKindEnum, DirectionEnum, VehicleRelationEnum } from './enums.graphql.js';
import { decodeTimelineCursor, encodeTimelineCursor } from './cursor.js';
import { customer360Loaders } from './customer-360.loaders.js';
import { readsAsPhoneNumber } from './lookup-throttle.js';

const VisibilityEnum = builder.enumType('Visibility', {
  description: "Why the viewer sees a value: it is the viewer's own, or a sharing agreement grants it.",
  values: ['OWN', 'AGREEMENT'] as const,
});

const onBehalfOfDescription = "Interaction centers: the client the center captured this for — the client's data, shared under the client's agreements.";

export const SourceRef = builder.objectRef<Sourced & { readonly onBehalfOf?: PartyId | null }>('Source').implement({
  description: 'Which party supplied a value, and under which grant the viewer sees it.',
  fields: (t) => ({
    party: t.id({ resolve: (source) => source.sourceParty }),
    onBehalfOf: t.id({ nullable: true, description: onBehalfOfDescription, resolve: (source) => source.onBehalfOf ?? null }),
    visibility: t.field({ type: VisibilityEnum, resolve: (source) => (source.grant.kind === 'own' ? 'OWN' : 'AGREEMENT') }),
    agreementId: t.id({ nullable: true, resolve: (source) => agreementOf(source.grant) }),
  }),
});

function agreementOf(grant: Grant): string | null {
  return grant.kind === 'agreement' ? grant.agreementId : null;
}


const ContactPointRef = builder.objectRef<CustomerView['phones'][number]>('ContactPoint').implement({
  description: 'A phone number (E.164) or e-mail address.',
  fields: (t) => ({
    value: t.exposeString('value'),
    label: t.field({ type: ContactLabelEnum, resolve: (point) => point.label }),
    source: t.field({ type: SourceRef, resolve: (point) => point }),
  }),
});

const AddressRef = builder.objectRef<CustomerView['addresses'][number]>('PostalAddress').implement({
  fields: (t) => ({
    street: t.exposeString('street'),
    postalCode: t.exposeString('postalCode'),
    city: t.exposeString('city'),
    country: t.exposeString('country'),
    label: t.field({ type: ContactLabelEnum, resolve: (address) => address.label }),
    source: t.field({ type: SourceRef, resolve: (address) => address }),
  }),
});

const VehicleRef = builder.objectRef<CustomerView['vehicles'][number]>('CustomerVehicle').implement({
  description: "A vehicle and the customer's relation to it.",
  fields: (t) => ({
    vin: t.exposeString('vin'),
    brand: t.exposeString('brand'),
    model: t.exposeString('model'),
    registrationDate: t.string({ nullable: true, resolve: (vehicle) => vehicle.registrationDate }),
    relation: t.field({ type: VehicleRelationEnum, resolve: (vehicle) => vehicle.relation }),
    source: t.field({ type: SourceRef, resolve: (vehicle) => vehicle }),
  }),
});

const SourceRecordRef = builder.objectRef<CustomerView['sources'][number]>('SourceRecord').implement({
  description: "A party's own record of the customer.",
  fields: (t) => ({
    party: t.exposeID('party'),
    externalId: t.exposeString('externalId'),
    onBehalfOf: t.id({ nullable: true, description: onBehalfOfDescription, resolve: (record) => record.onBehalfOf }),
  }),
});

export const ActivityRef = builder.objectRef<ActivityView>('Activity').implement({
  description: 'One contact with the customer on any channel, by any party the viewer may see.',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.exposeID('id'),
    channel: t.field({ type: ChannelEnum, resolve: (activity) => activity.channel }),
    direction: t.field({ type: DirectionEnum, resolve: (activity) => activity.direction }),
    occurredAt: t.field({ type: 'DateTime', resolve: (activity) => activity.occurredAt }),
    durationSeconds: t.int({ nullable: true, resolve: (activity) => activity.durationSeconds }),
    subject: t.string({ nullable: true, resolve: (activity) => activity.subject }),
    outcome: t.string({ nullable: true, description: 'The conversation result.', resolve: (activity) => activity.outcome }),
    content: t.string({
      nullable: true,
      description: 'Mail or letter text; null unless the viewer holds the `content` data class from the activity\'s party.',
      resolve: (activity) => activity.content,
    }),
    actor: t.string({ nullable: true, resolve: (activity) => activity.actor }),
    party: t.id({ description: 'The party that had the contact.', resolve: (activity) => activity.sourceParty }),
    onBehalfOf: t.id({ nullable: true, description: 'Interaction centers: the client the contact was made for.', resolve: (activity) => activity.onBehalfOf }),
    brand: t.string({ nullable: true, resolve: (activity) => activity.brand }),
    source: t.field({ type: SourceRef, resolve: (activity) => activity }),
  }),
});

const timelineArgs = z.looseObject({ first: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').nullish() });

export const CustomerRef = builder.objectRef<CustomerView>('Customer').implement({
  description: 'The golden customer record as the viewer may see it: each value only if its source party shares it.',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: CustomerKindEnum, resolve: (customer) => customer.kind }),
    givenName: t.string({ nullable: true, resolve: (customer) => customer.givenName }),
    familyName: t.string({ nullable: true, resolve: (customer) => customer.familyName }),
    companyName: t.string({ nullable: true, resolve: (customer) => customer.companyName }),
    displayName: t.string({
      resolve: (customer) =>
        (customer.kind === 'company' ? customer.companyName : [customer.givenName, customer.familyName].filter(Boolean).join(' ')) || '(name not shared)',
    }),
    preferredLanguage: t.string({ nullable: true, resolve: (customer) => customer.preferredLanguage }),
    phones: t.field({ type: [ContactPointRef], resolve: (customer) => customer.phones }),
    emails: t.field({ type: [ContactPointRef], resolve: (customer) => customer.emails }),
    addresses: t.field({ type: [AddressRef], resolve: (customer) => customer.addresses }),
    vehicles: t.field({ type: [VehicleRef], resolve: (customer) => customer.vehicles }),
    sources: t.field({ type: [SourceRecordRef], resolve: (customer) => customer.sources }),
    updatedAt: t.field({ type: 'DateTime', resolve: (customer) => customer.updatedAt }),
    activities: t.connection({
      type: ActivityRef,
      description: 'The timeline across every party the viewer may see, newest first.',
      validate: timelineArgs,
      resolve: async (customer, args, context) => {
        const first = args.first ?? 20;
        const after = args.after ? decodeTimelineCursor(args.after) : undefined;
        // Batched: the same page of every customer in the response comes from one query.
        const page = await customer360Loaders(context).timeline.load({ customerId: customer.id, first, after });
        const edges = page.activities.map((activity) => ({ cursor: encodeTimelineCursor(activity), node: activity }));
        return {
          edges,
          pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: Boolean(after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
        };
      },
    }),
  }),
});

const SearchKindEnum = builder.enumType('CustomerSearchKind', {
  description: 'How the search term was read.',
  values: ['vin', 'email', 'phone', 'name'] as const,
});

const CustomerSearchResultRef = builder.objectRef<{ kind: 'vin' | 'email' | 'phone' | 'name'; customers: CustomerView[] }>('CustomerSearchResult').implement({
  fields: (t) => ({
    readAs: t.field({ type: SearchKindEnum, resolve: (result) => result.kind }),
    customers: t.field({ type: [CustomerRef], resolve: (result) => result.customers }),
  }),
});

builder.queryFields((t) => ({
  customer: t.field({
    type: CustomerRef,
    nullable: true,
    description: 'A customer by id; null when it does not exist or the caller may not see it (indistinguishable by design).',
    args: { id: t.arg.id({ required: true }) },
    authScopes: { authenticated: true },
    resolve: async (_root, args, context) => (await context.customers.load(String(args.id))) ?? null,
  }),
  customers: t.field({
    type: CustomerSearchResultRef,
    description: 'Search by VIN, e-mail, phone in any format (national formats read in the caller\'s country) or name.',
    args: {
      search: t.arg.string({ required: true, validate: z.string().trim().min(2, 'must have at least 2 characters').max(200) }),
      first: t.arg.int({ validate: z.number().int().min(1, 'must be at least 1').max(50, 'must be at most 50').nullish() }),
    },
    authScopes: { authenticated: true },
    resolve: async (_root, args, context) => {
      const scope = await context.scope();
      const region = await context.viewerCountry();
      // Caller-number lookups answer "whose number is this?" for any number tried: counted per caller, before the database is asked.
      const counted = readsAsPhoneNumber(args.search);
      if (counted) await context.lookups.phoneLookup();
      const result = await searchCustomers(context.em, scope, args.search, { region, limit: args.first ?? 20 });
      // Core decides how a term reads; a phone lookup the pre-check missed still counts, and past the limit its answer is withheld.
      if (result.kind === 'phone' && !counted) await context.lookups.phoneLookup();
      for (const customer of result.customers) context.accessTrail?.noteCustomerView(customer, scope);
      return result;
    },
  }),
}));

