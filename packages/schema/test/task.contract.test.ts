import { describe, expect, it } from 'vitest';
import { parseOrThrow, task, taskInput, taskKinds, taskStatuses, ValidationError, type FieldIssue } from '../src/index.js';

function taskIssues(input: unknown): FieldIssue[] {
  try {
    parseOrThrow(taskInput, input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

const lead = {
  externalId: 'LEAD-2024-0815',
  customerExternalId: 'RIX-88412',
  assignee: 'dealer-berlin',
  kind: 'lead',
  title: ' Probefahrt ID.4 gewünscht ',
  description: 'Kunde möchte am Samstag vormittags eine Probefahrt machen.',
  dueAt: '2024-03-08T10:00:00+01:00',
  onBehalfOf: 'oem',
} as const;

describe('task input', () => {
  it('accepts an interaction center’s lead for a dealer', () => {
    expect(taskInput.parse(lead)).toEqual({ ...lead, title: 'Probefahrt ID.4 gewünscht', dueAt: new Date('2024-03-08T09:00:00Z') });
  });

  it.each(taskKinds)('accepts the kind %s', (kind) => {
    expect(taskInput.parse({ ...lead, kind }).kind).toBe(kind);
  });

  it('needs no description, due date or principal', () => {
    const callback = { externalId: 'CB-1', customerExternalId: 'CVR-12345678', assignee: 'dealer-kobenhavn', kind: 'callback', title: 'Ring tilbage' } as const;
    expect(taskInput.parse(callback)).toEqual(callback);
  });

  it('names every bad field', () => {
    expect(taskIssues({ ...lead, assignee: 'Autohaus Schröder', kind: 'todo', title: '   ', dueAt: '2024-03-08', onBehalfOf: 'O' })).toEqual([
      { path: 'assignee', message: 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit' },
      { path: 'kind', message: 'Invalid option: expected one of "callback"|"lead"|"service_appointment"|"complaint"|"information"' },
      { path: 'title', message: 'must not be empty' },
      { path: 'dueAt', message: 'must be an ISO 8601 date-time with offset' },
      { path: 'onBehalfOf', message: 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit' },
    ]);
  });

  it('requires the customer and the assignee', () => {
    expect(taskIssues({ externalId: 'T-1', kind: 'complaint', title: 'Reklamation' }).map((issue) => issue.path)).toEqual([
      'customerExternalId',
      'assignee',
    ]);
  });
});

describe('task (stored)', () => {
  const stored = {
    id: crypto.randomUUID(),
    customerId: crypto.randomUUID(),
    creator: 'ic-riga',
    assignee: 'dealer-berlin',
    kind: 'service_appointment',
    title: 'Inspektion',
    description: null,
    dueAt: null,
    status: 'open',
    onBehalfOf: null,
    createdAt: new Date('2024-03-05T12:00:00Z'),
    updatedAt: new Date('2024-03-05T12:00:00Z'),
  } as const;

  it.each(taskStatuses)('accepts the status %s', (status) => {
    expect(task.parse({ ...stored, status })).toEqual({ ...stored, status });
  });

  it('refuses an unknown status', () => {
    const result = task.safeParse({ ...stored, status: 'done' });
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['status', 'Invalid option: expected one of "open"|"accepted"|"completed"|"rejected"|"cancelled"'],
    ]);
  });
});
