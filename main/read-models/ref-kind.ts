/** Kinds of view_refs rows. */
export const REF_KIND = { incident: 1, changeRequest: 2 } as const;
