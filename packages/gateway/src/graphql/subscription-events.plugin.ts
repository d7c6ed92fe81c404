import { createSourceEventStream, execute, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { isBatchedEvents, isSubscriptionEvent } from './customer-change-events.js';

/**
 * Executes each event of a subscription in the event's own context (`SubscriptionEvent`) instead
 * of the subscribing request's: graphql-js would resolve every event with the one context of the
 * request, so its sharing scope, loader caches and credential check would be as old as the
 * subscription. Events a batched source already holds run together, so the customer 360's
 * relations are read once per batch, not once per event. A failure of the stream ends the
 * subscription with that error as its last result (masked like any other), and the stream is
 * released at once when the client goes away.
 */
export function useSubscriptionEvents(): Plugin<GraphQLContext> {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const stream = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in stream)) return stream;
        return executeEach(stream[Symbol.asyncIterator](), args);
      });
    },
  };
}

/**
 * Executes the events as they come; events a batched source already holds are executed together
 * (`BatchedEvents`), their results then handed out in order.
 */
function executeEach(source: AsyncIterator<unknown>, args: ExecutionArgs): AsyncIterableIterator<ExecutionResult> {
  let done = false;
  const executed: ExecutionResult[] = [];
  const stop = async (): Promise<IteratorResult<ExecutionResult, undefined>> => {
    done = true;
    executed.length = 0;
    await source.return?.();
    return { done: true, value: undefined };
  };
  const run = (payload: unknown) => execute({ ...args, rootValue: payload, contextValue: isSubscriptionEvent(payload) ? payload.context : args.contextValue });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const waiting = executed.shift();
      if (waiting) return { done: false, value: waiting };
      if (done) return { done: true, value: undefined };
      let step: IteratorResult<unknown>;
      try {
        step = await source.next();
      } catch (error) {
        await stop();
        return { done: false, value: { errors: [new GraphQLError(error instanceof Error ? error.message : String(error), { originalError: error instanceof Error ? error : undefined })] } };
      }
      if (step.done) return stop();
      const payloads = [step.value, ...(isBatchedEvents(source) ? source.takeReady() : [])];
      const [first, ...rest] = await Promise.all(payloads.map(run));
      executed.push(...rest);
      return { done: false, value: first! };
    },
    return: stop,
  };
}

/**
 * A subscription's event stream holds its connection until it ends; the connection then closes
 * instead of idling for reuse (yoga answers SSE with keep-alive), so a shutdown drains as soon
 * as the streams have ended rather than after the keep-alive timeout.
 */
export function useStreamsCloseTheirConnection(): Plugin<GraphQLContext> {
  return {
    onResponse({ response }) {
      if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return;
      response.headers.delete('connection');
      response.headers.set('connection', 'close');
    },
  };
}
