/** The contextValue of a "Loading…" row: a placeholder, which no menu acts on and no one waits to see drawn. */
export const LOADING = 'loading';
