import { channels, contactLabels, customerKinds, dataClasses, directions, partyKinds, vehicleRelations } from '@tandem/schema';
import { builder } from './builder.js';

export const PartyKindEnum = builder.enumType('PartyKind', { values: partyKinds });
export const CustomerKindEnum = builder.enumType('CustomerKind', { values: customerKinds });
export const ChannelEnum = builder.enumType('Channel', { values: channels });
export const DirectionEnum = builder.enumType('Direction', { values: directions });
export const ContactLabelEnum = builder.enumType('ContactLabel', { values: contactLabels });
export const VehicleRelationEnum = builder.enumType('VehicleRelation', { values: vehicleRelations });
export const DataClassEnum = builder.enumType('DataClass', { values: dataClasses });
