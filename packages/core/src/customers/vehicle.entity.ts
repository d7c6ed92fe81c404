import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { vehicleRelations } from '@tandem/schema';
import { CustomerEntity } from './customer.entity.js';
import { controllerUnique } from './contact-point.entity.js';

/** A vehicle, unique by VIN across the whole network. */
export const VehicleEntity = defineEntity({
  name: 'Vehicle',
  tableName: 'vehicle',
  properties: {
    vin: p.string().length(17).primary(),
    brand: p.string().length(80),
    model: p.string().length(100),
    registrationDate: p.string().length(10).nullable(),
    updatedAt: p.datetime(),
  },
});
export type VehicleRow = InferEntity<typeof VehicleEntity>;

/** A customer's relation to a vehicle (owner, driver, fleet manager): one per relation and controller, as contact points. */
export const CustomerVehicleEntity = defineEntity({
  name: 'CustomerVehicle',
  tableName: 'customer_vehicle',
  properties: {
    id: p.uuid().primary(),
    customer: () => p.manyToOne(CustomerEntity).mapToPk().deleteRule('cascade'),
    vehicle: () => p.manyToOne(VehicleEntity).mapToPk().index('customer_vehicle_vin_idx'),
    relation: p.enum([...vehicleRelations]),
    sourceParty: p.string().length(63),
    /** Interaction centers: the client the value was captured for, whose data it is (see `controllerOf`). */
    onBehalfOf: p.string().length(63).nullable(),
    updatedAt: p.datetime(),
  },
  uniques: [{ name: 'customer_vehicle_controller_uq', expression: controllerUnique('customer_vehicle_controller_uq', 'customer_vehicle', ['customer_id', 'vehicle_vin', 'relation']) }],
});
export type CustomerVehicleRow = InferEntity<typeof CustomerVehicleEntity>;
