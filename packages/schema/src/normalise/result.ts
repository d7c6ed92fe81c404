/** Outcome of a normaliser: the canonical value, or why the raw value has none. */
export type Normalised<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const normalised = <T>(value: T): Normalised<T> => ({ ok: true, value });
export const rejected = <T = never>(reason: string): Normalised<T> => ({ ok: false, reason });
