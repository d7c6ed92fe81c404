import { z } from 'zod';
import { party } from '../parties/party.contract.js';
import { sharingAgreementInput } from '../sharing/sharing-agreement.contract.js';
import { argumentationAidInput } from '../argumentation/argumentation-aid.contract.js';
import { eventEnvelope } from './envelope.js';
import { inboundPayloads } from './inbound-events.js';
import { outboundPayloads } from './outbound-events.js';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;

function envelopeOf(type: string, version: number, payload: z.ZodType): JsonSchema {
  return toSchema(eventEnvelope.extend({ type: z.literal(type), version: z.literal(version), payload }));
}

/**
 * JSON Schema (draft 2020-12) of every partner-facing contract and event, keyed by a stable
 * file name (`events/in/contact.upserted.v1`). Partners validate against these; a snapshot test
 * makes every change a reviewable diff.
 */
export function exportJsonSchemas(): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {
    'contracts/party': toSchema(party),
    'contracts/sharing-agreement': toSchema(sharingAgreementInput),
    'contracts/argumentation-aid': toSchema(argumentationAidInput),
  };
  for (const [type, versions] of Object.entries(inboundPayloads())) {
    for (const [version, payload] of Object.entries(versions as Record<string, z.ZodType>)) {
      schemas[`events/in/${type}.v${version}`] = envelopeOf(type, Number(version), payload);
    }
  }
  for (const [type, versions] of Object.entries(outboundPayloads)) {
    for (const [version, payload] of Object.entries(versions as Record<string, z.ZodType>)) {
      schemas[`events/out/${type}.v${version}`] = envelopeOf(type, Number(version), payload);
    }
  }
  return schemas;
}
