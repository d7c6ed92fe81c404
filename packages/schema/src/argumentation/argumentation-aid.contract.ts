import { z } from 'zod';
import { brand, languageTag } from '../common/common.contract.js';
import { channel } from '../activities/activity.contract.js';
import { customerKind } from '../customers/customer.contract.js';

/** Talking points an agent sees for a brand, optionally narrowed to a model, channel or customer kind. */
export const argumentationAidInput = z.object({
  brand,
  title: z.string().trim().min(1, 'must not be empty').max(200),
  body: z.string().trim().min(1, 'must not be empty').max(20_000),
  language: languageTag,
  appliesTo: z
    .object({
      vehicleModels: z.array(z.string().trim().min(1)).default([]),
      channels: z.array(channel).default([]),
      customerKinds: z.array(customerKind).default([]),
    })
    .default({ vehicleModels: [], channels: [], customerKinds: [] }),
});
export type ArgumentationAidInput = z.input<typeof argumentationAidInput>;
export type ArgumentationAid = z.output<typeof argumentationAidInput>;
