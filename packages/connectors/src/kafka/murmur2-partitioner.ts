import { Partitioners, type ICustomPartitioner } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 hash (the Java client's `Utils.murmur2`) in 32-bit integer arithmetic. kafkajs
 * computes the same hash with 64-bit `Long` objects, several allocations per 4 bytes of key: about
 * 6 µs per message, a few percent of the relay's time for the same partition.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const words = length >>> 2;
  for (let i = 0; i < words; i++) {
    const at = i * 4;
    let k = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3:
      h ^= data[tail + 2]! << 16;
    // falls through
    case 2:
      h ^= data[tail + 1]! << 8;
    // falls through
    case 1:
      h ^= data[tail]!;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The Java client's default partitioning of keyed messages (`murmur2(key) & 0x7fffffff` modulo
 * the partition count), so partners' producers and consumers agree on key → partition. Messages
 * with an explicit partition or without a key go to kafkajs' own default partitioner.
 */
export const murmur2Partitioner: ICustomPartitioner = () => {
  const kafkajsDefault = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if ((message.partition !== undefined && message.partition !== null) || message.key === undefined || message.key === null) return kafkajsDefault(args);
    const key = typeof message.key === 'string' ? Buffer.from(message.key) : message.key;
    return (murmur2(key) & 0x7fffffff) % partitionMetadata.length;
  };
};
