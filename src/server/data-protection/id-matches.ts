/** Ids per OR-list: keeps each statement far below both databases' parameter limits. */
const IDS_PER_QUERY = 200;

/** Splits ids into lists small enough for one statement each. */
export function chunks(ids: string[]): string[][] {
  const lists: string[][] = [];
  for (let start = 0; start < ids.length; start += IDS_PER_QUERY)
    lists.push(ids.slice(start, start + IDS_PER_QUERY));
  return lists;
}

/** A Prisma condition: the text column holds any of the ids (JSON columns name ids as strings). */
export function mentionsAny<Column extends string>(column: Column, ids: string[]) {
  return ids.map((id) => ({ [column]: { contains: id } }) as Record<Column, { contains: string }>);
}
