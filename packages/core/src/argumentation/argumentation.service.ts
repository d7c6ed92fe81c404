import type { Channel, CustomerKind } from '@tandem/schema';
import type { ArgumentationAidRow } from './argumentation-aid.entity.js';

/** What an aid is matched against: the customer as the viewer sees it. */
export interface AidAudience {
  readonly kind: CustomerKind;
  readonly vehicles: readonly { readonly brand: string; readonly model: string }[];
}

const fold = (value: string) => value.trim().toLocaleLowerCase('en');

/**
 * The aids among `aids` that apply to a customer: its kind must be listed (or none is), it must
 * have a vehicle of the aid's brand and one of its models when the aid names models, and the
 * channel (when given) must be listed (or none is). Model-specific aids come first. Brands and
 * models compare case-insensitively. Pass only the vehicles the viewer may see, so an aid never
 * reveals a vehicle the viewer could not see itself.
 */
export function aidsForCustomer(aids: readonly ArgumentationAidRow[], customer: AidAudience, options: { readonly channel?: Channel } = {}): ArgumentationAidRow[] {
  const matching = aids.filter((aid) => {
    const { vehicleModels, channels, customerKinds } = aid.appliesTo;
    if (customerKinds.length > 0 && !customerKinds.includes(customer.kind)) return false;
    if (options.channel && channels.length > 0 && !channels.includes(options.channel)) return false;
    if (vehicleModels.length === 0) return true;
    const models = new Set(vehicleModels.map(fold));
    return customer.vehicles.some((vehicle) => fold(vehicle.brand) === fold(aid.brand) && models.has(fold(vehicle.model)));
  });
  const specific = (aid: ArgumentationAidRow) => (aid.appliesTo.vehicleModels.length > 0 ? 0 : 1);
  return matching.sort((a, b) => specific(a) - specific(b));
}
