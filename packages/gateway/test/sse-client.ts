/** One GraphQL-over-SSE message: `next` carries a result; `complete` ends the stream. */
export interface SseMessage {
  readonly event: 'next' | 'complete';
  readonly data?: { data?: any; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };
}

/**
 * A subscription as a client holds it: POST with `Accept: text/event-stream` (the GraphQL over SSE
 * "distinct connections" mode yoga serves), messages parsed as they arrive.
 */
export class SseSubscription {
  readonly status: number;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #abort: AbortController;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  readonly #received: SseMessage[] = [];
  #ended = false;

  private constructor(status: number, reader: ReadableStreamDefaultReader<Uint8Array>, abort: AbortController) {
    this.status = status;
    this.#reader = reader;
    this.#abort = abort;
  }

  /** Resolves when the response headers arrived: the server has subscribed by then. */
  static async open(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<SseSubscription> {
    const abort = new AbortController();
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query, variables }),
      signal: abort.signal,
    });
    return new SseSubscription(response.status, response.body!.getReader(), abort);
  }

  /** The next message; `complete` once the stream ended. */
  async next(): Promise<SseMessage> {
    for (;;) {
      const message = this.#received.shift();
      if (message) return message;
      if (this.#ended) return { event: 'complete' };
      const chunk = await this.#reader.read();
      if (chunk.done) {
        this.#ended = true;
        continue;
      }
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      this.#parse();
    }
  }

  /** Every `next` result until the stream completes. */
  async rest(): Promise<NonNullable<SseMessage['data']>[]> {
    const results: NonNullable<SseMessage['data']>[] = [];
    for (let message = await this.next(); message.event === 'next'; message = await this.next()) results.push(message.data!);
    return results;
  }

  /** The client goes away. */
  close(): void {
    this.#abort.abort();
  }

  #parse(): void {
    for (let end = this.#buffer.indexOf('\n\n'); end >= 0; end = this.#buffer.indexOf('\n\n')) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const lines = block.split('\n').filter((line) => !line.startsWith(':'));
      const event = lines.find((line) => line.startsWith('event:'))?.slice('event:'.length).trim();
      const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice('data:'.length).trim()).join('\n');
      if (event === 'next') this.#received.push({ event, data: JSON.parse(data) });
      else if (event === 'complete') this.#received.push({ event });
    }
  }
}
