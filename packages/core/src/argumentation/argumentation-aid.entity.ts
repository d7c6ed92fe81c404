import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ArgumentationAid } from '@tandem/schema';

export const ArgumentationAidEntity = defineEntity({
  name: 'ArgumentationAid',
  tableName: 'argumentation_aid',
  properties: {
    id: p.uuid().primary(),
    brand: p.string().length(80).index('argumentation_aid_brand_idx'),
    title: p.string().length(200),
    body: p.text(),
    language: p.string().length(35),
    appliesTo: p.json<ArgumentationAid['appliesTo']>(),
    createdAt: p.datetime(),
  },
});
export type ArgumentationAidRow = InferEntity<typeof ArgumentationAidEntity>;
