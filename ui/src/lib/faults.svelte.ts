import type { ApiError } from "./bindings/ApiError";

/** The last fault (the disk, the database, the program — not a person's mistake), shown by the
 * app as a banner over every screen until dismissed; mistakes stay beside what caused them. */
export const faults = $state<{ last: ApiError | null }>({ last: null });
