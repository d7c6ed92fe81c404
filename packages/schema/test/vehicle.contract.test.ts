import { describe, expect, it } from 'vitest';
import { normaliseVin, parseOrThrow, ValidationError, vehicle, vin, type FieldIssue, type VehicleInput } from '../src/index.js';

function vehicleIssues(input: VehicleInput): FieldIssue[] {
  try {
    parseOrThrow(vehicle, input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

const golf: VehicleInput = { vin: 'WVWZZZ1JZ3W386752', brand: 'Volkswagen', model: 'Golf', registrationDate: '2021-04-30' };

describe('vin', () => {
  it.each([
    ['WVWZZZ1JZ3W386752', 'WVWZZZ1JZ3W386752'],
    ['wvwzzz1jz3w386752', 'WVWZZZ1JZ3W386752'],
    ['WVW-ZZZ1JZ-3W386752', 'WVWZZZ1JZ3W386752'],
    [' TMB JG7NE 5J0 123456 ', 'TMBJG7NE5J0123456'],
    ['yv1-dz8256-c2271234', 'YV1DZ8256C2271234'],
  ])('normalises %j to %s', (raw, normalised) => {
    expect(vin.parse(raw)).toBe(normalised);
    expect(normaliseVin(raw)).toEqual({ ok: true, value: normalised });
  });

  it.each([
    ['WVWZZZ1JZ3W38675I', 'must not contain I, O or Q'],
    ['WVWZZZ1JZ3W38675O', 'must not contain I, O or Q'],
    ['WVWZZZ1JZ3W38675Q', 'must not contain I, O or Q'],
    ['wvwzzz1jz3w38675o', 'must not contain I, O or Q'],
    ['WVWZZZ1JZ3W38675', 'must have 17 characters, has 16'],
    ['WVWZZZ1JZ3W3867521', 'must have 17 characters, has 18'],
    ['', 'must have 17 characters, has 0'],
    ['WVWZZZ1JZ3W38675_', 'may only contain letters and digits'],
    ['WVWZZZ1JZ3W38675Ä', 'may only contain letters and digits'],
  ])('refuses %j because it %s', (raw, reason) => {
    expect(vehicleIssues({ ...golf, vin: raw })).toEqual([{ path: 'vin', message: `${JSON.stringify(raw)} ${reason}` }]);
  });
});

describe('vehicle', () => {
  it('accepts a vehicle and defaults the relation to owner', () => {
    expect(vehicle.parse({ ...golf, vin: 'wvw-zzz1jz-3w386752', brand: ' Volkswagen ' })).toEqual({ ...golf, relation: 'owner' });
  });

  it.each(['owner', 'driver', 'fleet_manager'] as const)('accepts the relation %s', (relation) => {
    expect(vehicle.parse({ ...golf, relation }).relation).toBe(relation);
  });

  it('accepts a vehicle without a registration date', () => {
    const { registrationDate: _unknown, ...unregistered } = golf;
    expect(vehicle.parse(unregistered)).toEqual({ ...unregistered, relation: 'owner' });
  });

  it('names every bad field', () => {
    expect(vehicleIssues({ vin: 'WVWZZZ1JZ3W3867', brand: '', model: ' ', registrationDate: '30.04.2021', relation: 'passenger' as never })).toEqual([
      { path: 'vin', message: '"WVWZZZ1JZ3W3867" must have 17 characters, has 15' },
      { path: 'brand', message: 'must not be empty' },
      { path: 'model', message: 'must not be empty' },
      { path: 'registrationDate', message: 'must be an ISO 8601 date (YYYY-MM-DD)' },
      { path: 'relation', message: 'Invalid option: expected one of "owner"|"driver"|"fleet_manager"' },
    ]);
  });
});
