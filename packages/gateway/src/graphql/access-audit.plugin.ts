import type { Plugin } from 'graphql-yoga';
import type { AccessAuditor } from '@tandem/core';
import type { GraphQLContext } from './context.js';

/**
 * Hands each operation's access trail to the auditor when execution ends: one audit entry per
 * (request, customer) read, whatever path read it. A subscription's events share their
 * subscription's trail, handed over after every event it sent. `record` only buffers, so reads do
 * not wait for the audit's writes.
 */
export function useAccessAudit(auditor: AccessAuditor): Plugin<GraphQLContext> {
  const handOver = (context: GraphQLContext) => {
    const trail = context.accessTrail;
    if (trail) auditor.record(trail.drain());
  };
  return {
    onExecute() {
      return {
        onExecuteDone({ args }) {
          handOver(args.contextValue);
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ args }) {
          return {
            onNext: () => handOver(args.contextValue),
            onEnd: () => handOver(args.contextValue),
          };
        },
      };
    },
  };
}
