import type { PartyId } from '../common/common.contract.js';

/** Topic names are part of the partner contract; the version suffix changes only with a breaking change. */
export const topics = {
  /** What a party sends to the hub. */
  inbound: (party: PartyId) => `tandem.in.${party}.v1`,
  /** What the hub sends to a party: projections filtered by its sharing agreements. */
  outbound: (party: PartyId) => `tandem.out.${party}.v1`,
  /** Everything that could not be decoded or applied, with the original bytes. */
  deadLetters: 'tandem.dlq.v1',
} as const;

const inboundTopicPattern = /^tandem\.in\.([a-z0-9][a-z0-9-]{1,62})\.v1$/;

/** The sending party of an inbound topic, or undefined for any other topic. */
export function partyOfInboundTopic(topic: string): PartyId | undefined {
  return inboundTopicPattern.exec(topic)?.[1];
}

/** Partition key before identity resolution: the sender's own record key. */
export function sourceKey(party: PartyId, externalId: string): string {
  return `${party}:${externalId}`;
}
