// The producer thread's entry (producer-thread.ts): in a worker thread tsx compiles what is required, not what is imported.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./producer-thread.worker.ts');
