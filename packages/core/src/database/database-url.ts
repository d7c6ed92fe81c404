import { ValidationError } from '@tandem/schema';

export type Dialect = 'sqlite' | 'postgresql';

/** Where the hub's state lives: a SQLite file (or `:memory:`), or a PostgreSQL URL. */
export interface DatabaseTarget {
  readonly dialect: Dialect;
  /** SQLite: file path or `:memory:`; PostgreSQL: the database name. */
  readonly dbName: string;
  /** PostgreSQL connection URL without the database path, for administrative connections. */
  readonly clientUrl?: string;
}

/** Reads `DATABASE_URL`: `file:<path>` or `file::memory:` for SQLite, `postgres://` / `postgresql://` for PostgreSQL. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (path === '') throw badUrl(url, 'names no file');
    return { dialect: 'sqlite', dbName: path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const parsed = new URL(url);
    const dbName = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    if (!dbName) throw badUrl(url, 'names no database');
    parsed.pathname = '/';
    return { dialect: 'postgresql', dbName, clientUrl: parsed.toString() };
  }
  throw badUrl(url, 'must start with file: (SQLite) or postgres:// (PostgreSQL)');
}

function badUrl(url: string, reason: string): ValidationError {
  const redacted = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return new ValidationError([{ path: 'DATABASE_URL', message: `${redacted} ${reason}` }], 'BAD_DATABASE_URL');
}
