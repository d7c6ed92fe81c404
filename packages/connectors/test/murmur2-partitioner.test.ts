import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { murmur2, murmur2Partitioner } from '../src/kafka/murmur2-partitioner.js';

const metadata = (partitions: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: partitionId % 3, partitionErrorCode: 0, replicas: [0, 1, 2], isr: [0, 1, 2] }));

describe('murmur2 partitioner', () => {
  it("hashes like the Java client's Utils.murmur2 (its published test vectors)", () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    expect(vectors.map(([key]) => [key, murmur2(Buffer.from(key))])).toEqual(vectors);
  });

  it("puts every keyed message on the partition kafkajs' default partitioner chooses", () => {
    const ours = murmur2Partitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const keys = [
      '',
      'dealer-berlin:B-1',
      'ic-riga:Kunde Jürgen Müller-Łukasz 東京',
      ...Array.from({ length: 500 }, (_, index) => randomBytes(index % 41).toString('base64').slice(0, index % 37)),
    ];
    const buffers = Array.from({ length: 200 }, (_, index) => randomBytes(index % 29));
    for (const partitions of [1, 3, 12, 100]) {
      for (const key of [...keys, ...buffers]) {
        const args = { topic: 'tandem.out.oem.v1', partitionMetadata: metadata(partitions), message: { key, value: 'v' } };
        expect(ours(args), `key ${JSON.stringify(key)} over ${partitions} partitions`).toBe(theirs(args));
      }
    }
  });

  it('keeps an explicit partition', () => {
    const args = { topic: 'tandem.out.oem.v1', partitionMetadata: metadata(12), message: { key: 'dealer-berlin:B-1', value: 'v', partition: 7 } };
    expect(murmur2Partitioner()(args)).toBe(7);
  });
});
