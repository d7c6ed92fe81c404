import type { Plugin } from 'graphql-yoga';
import type { AccessAuditor } from '@tandem/core';
import type { GraphQLContext } from './context.js';

/**
 * Hands each operation's access trail to the auditor when execution ends: one audit entry per
 * (request, customer) read, whatever path read it. `record` only buffers, so reads do not wait
 * for the audit's writes.
 */
export function useAccessAudit(auditor: AccessAuditor): Plugin<GraphQLContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args }) {
          const trail = args.contextValue.accessTrail;
          if (trail) auditor.record(trail.drain());
        },
      };
    },
  };
}
