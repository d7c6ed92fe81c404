import { PartyEntity } from '../parties/party.entity.js';
import { CustomerEntity } from '../customers/customer.entity.js';
import { AddressEntity, ContactPointEntity } from '../customers/contact-point.entity.js';
import { CustomerVehicleEntity, VehicleEntity } from '../customers/vehicle.entity.js';
import { SourceRecordEntity } from '../customers/source-record.entity.js';
import { ActivityEntity } from '../activities/activity.entity.js';
import { TaskEntity } from '../tasks/task.entity.js';
import { ConsentEntity } from '../consent/consent.entity.js';
import { SharingAgreementEntity } from '../sharing/sharing-agreement.entity.js';
import { ArgumentationAidEntity } from '../argumentation/argumentation-aid.entity.js';
import { CallEventEntity } from '../cti/call-event.entity.js';
import { InboxEntryEntity } from '../messaging/inbox.entity.js';
import { ConsumerOffsetEntity, OutboxMessageEntity, RelayCursorEntity } from '../messaging/outbox.entity.js';
import { DeadLetterEntity } from '../dead-letters/dead-letter.entity.js';
import { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity.js';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity.js';
import { ApiKeyEntity } from '../auth/api-key.entity.js';
import { AccessAuditEntryEntity } from '../audit/access-audit.entity.js';

/** The explicit entity list: no folder scanning, so bundlers and tsx see the same model. */
export const entities = [
  PartyEntity,
  CustomerEntity,
  ContactPointEntity,
  AddressEntity,
  VehicleEntity,
  CustomerVehicleEntity,
  SourceRecordEntity,
  ActivityEntity,
  TaskEntity,
  ConsentEntity,
  SharingAgreementEntity,
  ArgumentationAidEntity,
  CallEventEntity,
  InboxEntryEntity,
  OutboxMessageEntity,
  ConsumerOffsetEntity,
  RelayCursorEntity,
  DeadLetterEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  ApiKeyEntity,
  AccessAuditEntryEntity,
];
