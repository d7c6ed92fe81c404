import { z } from 'zod';
import { brand, calendarDate } from '../common/common.contract.js';
import { normaliseVin } from '../normalise/vin.js';

export const vin = z.string().transform((raw, ctx) => {
  const result = normaliseVin(raw);
  if (result.ok) return result.value;
  ctx.addIssue({ code: 'custom', message: `${JSON.stringify(raw)} ${result.reason}` });
  return z.NEVER;
});

export const vehicleRelations = ['owner', 'driver', 'fleet_manager'] as const;
export const vehicleRelation = z.enum(vehicleRelations);
export type VehicleRelation = z.infer<typeof vehicleRelation>;

/** A vehicle and the customer's relation to it. */
export const vehicle = z.object({
  vin,
  brand,
  model: z.string().trim().min(1, 'must not be empty').max(100),
  registrationDate: calendarDate.optional(),
  relation: vehicleRelation.default('owner'),
});
export type Vehicle = z.output<typeof vehicle>;
export type VehicleInput = z.input<typeof vehicle>;
